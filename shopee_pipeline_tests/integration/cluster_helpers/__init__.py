"""The cluster of the multi-process test (`test_cluster`) and benchmark (`bench_cluster`): the soak's live
stack with a separate gRPC code server, whose run workers the daemon's run queue starts, and the figures
read off the runs and the processes."""
