"""classic_cnn: the classic CNNs as an executable textbook."""
