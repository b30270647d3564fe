"""classic_cnn: the classic CNNs as an executable textbook."""

from classic_cnn.summary import summary

__version__ = "0.1.0"  # the one place: pyproject.toml reads it, the chapters' setup cell installs it

__all__ = ["__version__", "summary"]
