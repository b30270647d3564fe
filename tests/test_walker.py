"""The architecture walker and the models CLI show exactly what summary() computes for every registry network."""

import functools
import os
import re
import subprocess
import sys

import pytest
import torch

from classic_cnn import summary
from classic_cnn.models import ARCHITECTURES
from classic_cnn.models.__main__ import main as models_cli
from classic_cnn.summary import shown_rows
from classic_cnn.widgets.walker import architecture_walker, book_networks


@functools.cache
def meta_summary(name: str, depth: int | None = None):
    with torch.device("meta"):
        model = ARCHITECTURES[name]()
    return summary(model, depth=depth)


def numbers(text: str) -> list[int]:
    return [int(number.replace(",", "")) for number in re.findall(r"\d[\d,]*", text)]


@pytest.mark.slow
def test_every_registry_network_has_a_panel_with_summarys_totals():
    networks = book_networks()
    assert len(networks) == len(ARCHITECTURES)
    walker = architecture_walker()
    for name in ARCHITECTURES:
        table = meta_summary(name)
        panel = walker.panels[table.model]
        total = re.search(r"<tr><th>total</th><td></td><td></td>(.*?)</tr>", panel).group(1)
        assert numbers(total) == [table.params, table.activations, table.macs], name


@pytest.mark.slow
def test_hidden_rows_change_nothing_and_large_networks_go_by_stage():
    for table in book_networks().values():
        rows = shown_rows(table)
        assert len(rows) <= 30
        assert sum(row.params for row in rows) == table.params
        assert sum(row.macs for row in rows) == table.macs
        assert sum(row.activations for row in rows) == table.activations
    assert [row.name for row in shown_rows(book_networks()["ResNet-50"])] == [
        "conv1", "bn1", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc",
    ]  # fmt: skip


@pytest.mark.slow
def test_models_cli_prints_summarys_numbers():
    overview = models_cli([])
    for name in ARCHITECTURES:
        table = meta_summary(name)
        (line,) = [line for line in overview.splitlines() if line.split()[0] == name]
        assert numbers(line.split(maxsplit=2)[2])[-2:] == [table.params, table.macs], name
    assert models_cli(["lenet5"]) == str(meta_summary("lenet5"))


def test_models_cli_refuses_an_unknown_network(capsys):
    with pytest.raises(SystemExit):
        models_cli(["lenet6"])
    assert "unknown network(s) lenet6; choose from lenet5" in capsys.readouterr().err


def test_walker_static_and_widget():
    walker = architecture_walker(selected="AlexNet")
    page = walker._repr_html_()
    assert 'data-control="architecture"' in page and page.count("data-panel=") == len(ARCHITECTURES)
    widget = walker.widget()
    widget.controls["architecture"].value = "VGG-16"
    assert widget.output.value == walker.panels["VGG-16"]
    with pytest.raises(ValueError, match="selected 'ResNet-1000' is not one of"):
        architecture_walker(selected="ResNet-1000")


def test_the_panels_trace_the_papers_volumes():
    panels = architecture_walker().panels
    for name, volumes in {
        "AlexNet": ["227×227×3", "55×55×96", "27×27×96", "27×27×256", "13×13×256", "13×13×384", "6×6×256"],
        "ZFNet": ["224×224×3", "110×110×96", "55×55×96", "26×26×256", "13×13×256", "6×6×256"],
        "LeNet-5": ["32×32×1", "28×28×6", "14×14×6", "10×10×16", "5×5×16", "1×1×120"],
    }.items():
        line = re.search(r"<p>(.*?)</p>", panels[name]).group(1)
        positions = [line.index(volume) for volume in volumes]
        assert positions == sorted(positions), (name, line)


def test_models_cli_does_not_need_the_widgets():
    code = (
        "import sys, classic_cnn.models.__main__ as cli;"
        "cli.ARCHITECTURES = {'lenet5': cli.ARCHITECTURES['lenet5']};"
        "assert 'LeNet-5' in cli.overview(); assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_every_block_of_the_diagram_is_labelled_with_its_layer():
    """A reader sees which layer each block is, not only on hover (issue 17): one upright label per block."""
    from classic_cnn.summary import shown_rows
    from classic_cnn.widgets.walker import book_networks, diagram

    for name, table in book_networks().items():
        picture = diagram(table)
        labels = re.findall(r"<text [^>]*>([^<]*)</text>", picture)
        assert labels == ["input"] + [row.name for row in shown_rows(table)], name
        assert picture.count("<rect ") == len(labels), name
