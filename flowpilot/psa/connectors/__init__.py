"""One connector per PSA provider; `base` holds the contract they share."""
