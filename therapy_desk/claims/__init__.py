"""Insurance claims: gathering a claim's form from the vault, and writing it as an 837P file."""
