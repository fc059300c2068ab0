package dev.kow.bench;

import picocli.CommandLine.Option;

/** The simulated fleet and topic layout of the scenarios that use several hosts. */
final class FleetOptions {

	@Option(names = "--hosts", defaultValue = "3", description = "Simulated hosts (default ${DEFAULT-VALUE}).")
	int hosts;

	@Option(names = "--slots", defaultValue = "4", description = "Slots per host (default ${DEFAULT-VALUE}).")
	int slots;

	@Option(names = "--partitions", defaultValue = "12",
			description = "Partitions per lane topic (default ${DEFAULT-VALUE}).")
	int partitions;

}
