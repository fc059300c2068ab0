package dev.kow.bench;

import java.util.List;
import java.util.Map;

/**
 * One benchmark scenario: its settings, what it loads and what it measures for one
 * system. The loop around it (environment, fresh topics and hosts per system, the report)
 * is {@link ScenarioRun}, shared by every scenario; a scenario only says what differs.
 */
interface Scenario {

	/**
	 * @return the report's {@code scenario} name
	 */
	String name();

	/**
	 * @return the simulator's time scale when {@code --time-scale} is not given
	 */
	default double defaultTimeScale() {
		return 0.1;
	}

	/**
	 * @param timeScale the time scale of this run
	 * @return the settings to record in the report's {@code config}
	 */
	Map<String, Object> config(double timeScale);

	/**
	 * @return partitions per lane topic
	 */
	int partitions();

	/**
	 * @return the cases, each run for every system and reported under
	 * {@code cases.<case>.<system>}; empty (the default) for one run per system under
	 * {@code systems.<system>}
	 */
	default List<String> cases() {
		return List.of();
	}

	/**
	 * @param chosen the systems of {@code --systems}
	 * @return the systems to run in each case, in order (a scenario may add baselines
	 * measured like systems)
	 */
	default List<String> systems(List<String> chosen) {
		return chosen;
	}

	/**
	 * Runs once before the systems (a baseline, a warm-up).
	 * @param run the run
	 * @throws Exception on failure
	 */
	default void before(ScenarioRun run) throws Exception {
	}

	/**
	 * Measures one system on its own topics; hosts, the result reader and the sampler
	 * taken from the trial are closed after it.
	 * @param trial the system, its case, topics and resources
	 * @return the figures to report for it
	 * @throws Exception on failure
	 */
	Map<String, Object> measure(Trial trial) throws Exception;

	/**
	 * Runs once after every system, before the report is written (summaries).
	 * @param run the run
	 */
	default void after(ScenarioRun run) {
	}

}
