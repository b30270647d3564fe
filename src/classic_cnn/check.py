"""Checks for the exercises: grade a student's answer against the library's own arithmetic.

A check prints one ``✓ …`` line when the answer is right and raises :class:`CheckFailed` (an
``AssertionError``) with one friendly sentence when it is wrong; in Jupyter the student sees only that
sentence, never a traceback from inside this module. The sentence never gives the expected value, so the
answer cannot be read off a failed check; and a function that is the library's own, or calls into
``classic_cnn`` for its answer, fails, so an exercise is passed only by the student's own code.
Answers may be Python numbers, NumPy scalars or arrays, or PyTorch tensors.

>>> value(7, 7, what="receptive field of three 3×3 convolutions")
✓ receptive field of three 3×3 convolutions: 7
>>> output_size(lambda n, f, s, p: (n - f + 2 * p) // s + 1)
✓ output size: right on all 212 cases
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from numbers import Integral, Real
from pathlib import Path

from classic_cnn import shapes

__all__ = [
    "CheckFailed",
    "function",
    "value",
    "output_size",
    "pool_output_size",
    "same_padding",
    "conv_params",
    "receptive_field",
]


class CheckFailed(AssertionError):
    """A wrong answer. Jupyter shows just the message (``_render_traceback_``), not where it was raised."""

    def _render_traceback_(self) -> list[str]:
        return [f"✗ {self}"]


_PACKAGE = Path(__file__).resolve().parent  # classic_cnn/: the reference arithmetic a student must not call


def _plain(value: object) -> object:
    """A tensor or NumPy value as plain Python: one element as a number (or bool), more as (nested) lists."""
    if type(value).__module__.split(".")[0] in ("torch", "numpy") and hasattr(value, "tolist"):
        return value.tolist()  # a 0-d tensor/array or a NumPy scalar gives a Python number
    return value


def _is_number(answer: object) -> bool:
    return isinstance(answer, Real) and not isinstance(answer, bool)


def _same(answer: object, expected: object, tolerance: float) -> bool:
    """Equal, with a relative ``tolerance`` for numbers (so 3.0 counts as 3, but True does not count as 1).

    Sequences match element by element, so a list answers a tuple (a tensor's ``tolist()`` gives lists).
    """
    answer, expected = _plain(answer), _plain(expected)
    if _is_number(expected):
        if not _is_number(answer):
            return False
        if isinstance(expected, Integral) and tolerance == 0:
            return answer == expected
        return math.isclose(float(answer), float(expected), rel_tol=tolerance, abs_tol=tolerance)
    if isinstance(expected, (list, tuple)) and isinstance(answer, (list, tuple)):
        return len(answer) == len(expected) and all(_same(a, e, tolerance) for a, e in zip(answer, expected))
    try:
        return bool(answer == expected)
    except Exception:  # noqa: BLE001 — an answer of an unrelated type that cannot even be compared
        return False


def _hint(answer: object, expected: object) -> str:
    """A nudge for the common slips: a fraction where a whole number belongs, a missing ``return``."""
    answer, expected = _plain(answer), _plain(expected)
    if answer is None:
        return " (did you forget `return`?)"
    if isinstance(expected, Integral) and _is_number(answer) and not float(answer).is_integer():
        return " (sizes and counts are whole numbers: PyTorch rounds down, so use // rather than /)"
    return ""


def _show(answer: object) -> str:
    """Whole numbers with thousands separators (34,944), everything else as Python writes it."""
    answer = _plain(answer)
    return f"{answer:,}" if isinstance(answer, Integral) and not isinstance(answer, bool) else repr(answer)


def _describe(args: Sequence[object], names: Sequence[str]) -> str:
    return ", ".join(f"{name}={arg!r}" for name, arg in zip(names, args))


def _library_name(student: object) -> str | None:
    """``module.name`` when ``student`` is one of classic_cnn's own functions (not the student's code)."""
    module = getattr(student, "__module__", None) or ""
    if module == "classic_cnn" or module.startswith("classic_cnn."):
        return f"{module}.{getattr(student, '__qualname__', type(student).__name__)}"
    return None


@lru_cache(maxsize=4096)
def _in_library(filename: str) -> bool:
    """Whether code from ``filename`` is classic_cnn's (this module, the grader, excepted)."""
    path = Path(filename).resolve()
    return path.is_relative_to(_PACKAGE) and path != Path(__file__).resolve()


@contextmanager
def _library_calls(calls: list[str]) -> Iterator[None]:
    """Record in ``calls`` the first call into classic_cnn (outside this module) made inside the block."""

    def profile(frame, event, arg) -> None:
        if event != "call" or calls:
            return
        if _in_library(frame.f_code.co_filename):
            calls.append(f"{frame.f_globals.get('__name__', 'classic_cnn')}.{frame.f_code.co_name}")

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)


def function(
    student: Callable[..., object],
    reference: Callable[..., object],
    cases: Iterable[Sequence[object]],
    *,
    what: str,
    names: str | Sequence[str],
    tolerance: float = 0,
) -> None:
    """Compare ``student(*case)`` with ``reference(*case)`` on every case; stop at the first difference.

    ``names`` labels the arguments in messages (``"N F S P"`` gives "for N=7, F=3, S=2, P=0"). The
    message of a wrong case gives the student's value, not the expected one. A ``student`` that is a
    classic_cnn function, or that calls one, fails: the answer must be the student's own arithmetic.
    """
    __tracebackhide__ = True
    names = names.split() if isinstance(names, str) else list(names)
    cases = [tuple(case) for case in cases]
    if not cases:
        raise ValueError("function() needs at least one case to check")
    for case in cases:
        if len(case) != len(names):
            raise ValueError(f"case {case} has {len(case)} values but names has {len(names)}: {names}")
    if not callable(student):
        raise CheckFailed(f"expected a function for the {what}, got {type(student).__name__} {student!r}")
    title = getattr(student, "__name__", "your function")
    library = _library_name(student)
    if library is not None:
        raise CheckFailed(
            f"`{title}` is the library's own `{library}`, not your function (an import may have given it this "
            "name): write the function yourself"
        )
    for case in cases:
        expected = reference(*case)
        calls: list[str] = []
        try:
            with _library_calls(calls):
                answer = student(*case)
        except NotImplementedError:
            raise CheckFailed(
                f"`{title}` is not written yet: replace `raise NotImplementedError()` with your code"
            ) from None
        except Exception as error:  # the student's bug, reported as one sentence
            raise CheckFailed(
                f"{what} for {_describe(case, names)}: your function raised {type(error).__name__}: {error}"
            ) from None
        if calls:
            raise CheckFailed(
                f"`{title}` calls the library's `{calls[0]}`: compute the {what} with your own code, "
                "without classic_cnn"
            )
        if not _same(answer, expected, tolerance):
            raise CheckFailed(
                f"{what} for {_describe(case, names)}: your function returned {_show(answer)}, which is not "
                f"right{_hint(answer, expected)}"
            )
    print(f"✓ {what}: right on all {len(cases)} cases")


def value(answer: object, expected: object, *, what: str, tolerance: float = 0) -> None:
    """Compare one computed value with the expected one (numbers within a relative ``tolerance``).

    A wrong value's message gives the student's value, not the expected one.
    """
    __tracebackhide__ = True
    if not _same(answer, expected, tolerance):
        raise CheckFailed(f"{what}: you have {_show(answer)}, which is not right{_hint(answer, expected)}")
    print(f"✓ {what}: {_show(answer)}")


# --- named checks for the first chapters ---------------------------------------------------------

_CONV_CASES = [
    (input_size, kernel_size, stride, padding)
    for input_size in (5, 7, 8, 32, 227)
    for kernel_size in (1, 3, 5, 11)
    for stride in (1, 2, 3, 4)
    for padding in (0, 1, 2)
    if kernel_size <= input_size + 2 * padding
]


def output_size(student: Callable[[int, int, int, int], object]) -> None:
    """Check ``student(n, f, s, p)``, the output width of a convolution, against ``shapes.conv_output_size``."""
    __tracebackhide__ = True
    function(student, shapes.conv_output_size, _CONV_CASES, what="output size", names="N F S P")


def pool_output_size(student: Callable[[int, int, int], object]) -> None:
    """Check ``student(n, f, s)``, the output width of pooling, against ``shapes.pool_output_size``."""
    __tracebackhide__ = True
    cases = [
        (input_size, kernel_size, stride)
        for input_size in (4, 7, 13, 28, 55, 224)
        for kernel_size in (2, 3)
        for stride in (1, 2, 3)
    ]
    function(student, shapes.pool_output_size, cases, what="pooling output size", names="N F S")


def same_padding(student: Callable[[int], object]) -> None:
    """Check ``student(f)``, the padding that keeps the size at stride 1, against ``shapes.same_padding``."""
    __tracebackhide__ = True
    cases = [(kernel_size,) for kernel_size in (1, 3, 5, 7, 9, 11)]
    function(student, shapes.same_padding, cases, what="same padding", names="F")


def conv_params(student: Callable[[int, int, int], object]) -> None:
    """Check ``student(in_channels, out_channels, kernel_size)``, learnable parameters with biases."""
    __tracebackhide__ = True
    cases = [(3, 96, 11), (1, 6, 5), (6, 16, 5), (64, 64, 3), (256, 64, 1), (3, 64, 7), (512, 512, 3)]
    function(
        student,
        shapes.conv_params,
        cases,
        what="parameter count",
        names=("in_channels", "out_channels", "kernel_size"),
    )


def receptive_field(student: Callable[[list[tuple[int, int]]], object]) -> None:
    """Check ``student(layers)``, the receptive field of a stack of ``(kernel_size, stride)`` layers."""
    __tracebackhide__ = True
    stacks = [
        [(3, 1)],
        [(3, 1)] * 2,
        [(3, 1)] * 3,
        [(7, 1)],
        [(5, 1), (2, 2), (5, 1), (2, 2)],  # LeNet-5's C1-S2-C3-S4
        [(11, 4), (3, 2), (5, 1), (3, 2)],  # AlexNet's first layers
        [(3, 1), (3, 1), (2, 2), (3, 1), (3, 1), (2, 2)],  # VGG's first two blocks
        [(7, 2), (3, 2), (3, 1), (3, 1)],  # ResNet's stem and first block
    ]
    function(student, shapes.receptive_field, [(stack,) for stack in stacks], what="receptive field", names=("layers",))
