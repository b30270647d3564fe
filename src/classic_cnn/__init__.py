"""classic_cnn: the classic CNNs as an executable textbook."""

from classic_cnn.summary import summary

__all__ = ["summary"]
