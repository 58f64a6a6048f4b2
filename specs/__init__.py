"""Protocol-independent properties (consensus, consistency) and quorum systems."""
