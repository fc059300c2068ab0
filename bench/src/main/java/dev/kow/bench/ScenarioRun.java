package dev.kow.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kow.prompts.SamplePrompts;

/**
 * The run loop every scenario shares: one environment (a real in-JVM broker and the
 * worker's registry), then for each case and each system fresh topics, fresh hosts and a
 * {@link Trial}, and a JSON report of shape {@code {"scenario": ..., "config": {...},
 * "systems": {system: figures}}} or, with cases, {@code {"scenario": ..., "config":
 * {...}, "cases": {case: {system: figures}}}}.
 */
final class ScenarioRun {

	final BenchEnvironment env;

	final List<SamplePrompts.Prompt> prompts;

	final double timeScale;

	final Report report;

	private ScenarioRun(BenchEnvironment env, List<SamplePrompts.Prompt> prompts, double timeScale, Report report) {
		this.env = env;
		this.prompts = prompts;
		this.timeScale = timeScale;
		this.report = report;
	}

	/**
	 * Runs a scenario and writes its report.
	 * @param scenario the scenario
	 * @param options the options every scenario takes
	 * @return the exit code, 0
	 * @throws Exception when the run fails
	 */
	static int run(Scenario scenario, BenchOptions options) throws Exception {
		double timeScale = options.timeScale != null ? options.timeScale : scenario.defaultTimeScale();
		Report report = new Report(scenario.name());
		report.config.putAll(scenario.config(timeScale));
		List<String> cases = scenario.cases();
		Map<String, Object> byCase = new LinkedHashMap<>();
		if (!cases.isEmpty()) {
			report.root.remove("systems");
			report.root.put("cases", byCase);
		}
		try (BenchEnvironment env = new BenchEnvironment()) {
			options.applyTo(env, report);
			ScenarioRun run = new ScenarioRun(env, SamplePrompts.read(null, 0), timeScale, report);
			scenario.before(run);
			for (String name : cases.isEmpty() ? List.of("") : cases) {
				Map<String, Object> bySystem = report.systems;
				if (!cases.isEmpty()) {
					bySystem = new LinkedHashMap<>();
					byCase.put(name, bySystem);
				}
				for (String system : scenario.systems(options.systems)) {
					String label = scenario.name() + ": " + (name.isEmpty() ? "" : name + " / ") + system;
					System.out.printf("%s ...%n", label);
					Map<String, Object> figures;
					try (Trial trial = new Trial(run, name, system, env.topics(system, scenario.partitions()))) {
						figures = scenario.measure(trial);
					}
					bySystem.put(system, figures);
					System.out.printf("%s %s%n", label, figures);
				}
			}
			scenario.after(run);
		}
		report.write(options);
		return 0;
	}

}
