// Test classes run one at a time: each starts services on loopback over one shared bundle, and the machine has two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
