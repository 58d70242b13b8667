"""Records requests and leaving with everything: gathering a client's record for export."""
