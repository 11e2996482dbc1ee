"""The live stack of the soak test (`test_soak_live_loop`): every process under one shifted clock, and
the audit that compares the warehouse with the sandbox's ground truth afterwards."""
