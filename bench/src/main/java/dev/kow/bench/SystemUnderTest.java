package dev.kow.bench;

import java.util.List;

import dev.kow.sim.OllamaSimulator;

/**
 * A system that consumes the three lane topics, calls the hosts and publishes results.
 */
interface SystemUnderTest extends AutoCloseable {

	/** The systems compared, by the names used in reports. */
	List<String> ALL = List.of("worker", "spring-kafka", "parallel-consumer");

	/**
	 * Starts a system.
	 * @param name one of {@link #ALL}
	 * @param env the environment
	 * @param topics its topics
	 * @param hosts its hosts
	 * @param slotsPerHost the hosts' slots; every system is given the same
	 * @return the running system
	 */
	static SystemUnderTest start(String name, BenchEnvironment env, Topics topics, List<OllamaSimulator> hosts,
			int slotsPerHost) {
		return switch (name) {
			case "worker" -> new WorkerSystem(env, topics, hosts, slotsPerHost);
			case "spring-kafka" -> new SpringKafkaPeer(env, topics, hosts, slotsPerHost);
			case "parallel-consumer" -> new ParallelConsumerPeer(env, topics, hosts, slotsPerHost);
			default -> throw new IllegalArgumentException("unknown system '" + name + "'; known: " + ALL);
		};
	}

	@Override
	void close();

}
