package dev.kow.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.Profile;

/**
 * One system in one case of a {@link ScenarioRun}: its fresh topics, and the hosts,
 * result reader and sampler it takes, all closed when the trial ends.
 */
final class Trial implements AutoCloseable {

	final ScenarioRun run;

	final BenchEnvironment env;

	/** The case, or empty for a scenario without cases. */
	final String caseName;

	final String system;

	final Topics topics;

	private final List<OllamaSimulator> hosts = new ArrayList<>();

	private BenchEnvironment.ResultReader reader;

	private Sampler sampler;

	Trial(ScenarioRun run, String caseName, String system, Topics topics) {
		this.run = run;
		this.env = run.env;
		this.caseName = caseName;
		this.system = system;
		this.topics = topics;
	}

	/**
	 * Starts fresh simulated hosts with the default speed profile.
	 * @param count how many
	 * @param slots slots of each
	 * @return the hosts, closed with the trial
	 */
	List<OllamaSimulator> hosts(int count, int slots) {
		return hosts(count, slots, host -> Profile.GPU_4090);
	}

	/**
	 * Starts fresh simulated hosts.
	 * @param count how many
	 * @param slots slots of each
	 * @param profile the speed profile of each host, by index
	 * @return the hosts, closed with the trial
	 */
	List<OllamaSimulator> hosts(int count, int slots, IntFunction<Profile> profile) {
		List<OllamaSimulator> started = this.env.hosts(count, slots, this.run.timeScale, profile);
		this.hosts.addAll(started);
		return started;
	}

	/**
	 * @return the reader of this trial's results and dead letters, started on first use
	 */
	BenchEnvironment.ResultReader reader() {
		if (this.reader == null) {
			this.reader = this.env.new ResultReader(this.topics);
		}
		return this.reader;
	}

	/**
	 * @return the heap and CPU sampler of this trial, started on first use
	 */
	Sampler sampler() {
		if (this.sampler == null) {
			this.sampler = new Sampler();
		}
		return this.sampler;
	}

	/**
	 * Starts the system under test on this trial's topics and hosts.
	 * @param slotsPerHost the hosts' slots, given to every system alike
	 * @return the running system; close it to stop it
	 */
	SystemUnderTest start(int slotsPerHost) {
		return SystemUnderTest.start(this.system, this.env, this.topics, this.hosts, slotsPerHost);
	}

	@Override
	public void close() throws InterruptedException {
		try {
			if (this.reader != null) {
				this.reader.close();
			}
			if (this.sampler != null) {
				this.sampler.close();
			}
		}
		finally {
			this.hosts.forEach(OllamaSimulator::close);
		}
	}

}
