package dev.kow.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.kow.sim.OllamaSimulator;
import dev.kow.worker.WorkerApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Our worker, in this JVM, with its defaults except topics, hosts and slots. */
final class WorkerSystem implements SystemUnderTest {

	private final ConfigurableApplicationContext context;

	WorkerSystem(BenchEnvironment env, Topics topics, List<OllamaSimulator> hosts, int slotsPerHost) {
		Map<String, Object> props = properties(env, topics, hosts, slotsPerHost, "sim");
		props.put("spring.main.web-application-type", "none");
		this.context = new SpringApplicationBuilder(WorkerApplication.class).logStartupInfo(false)
			.run(WorkerApplication.arguments(props));
	}

	/**
	 * A worker's settings on a benchmark's broker, registry, topics and hosts, with quiet
	 * logs and the environment's extra settings last.
	 * @param hostPrefix host ids are {@code <hostPrefix>-<i>}; results name the host that
	 * served them
	 */
	static Map<String, Object> properties(BenchEnvironment env, Topics topics, List<OllamaSimulator> hosts,
			int slotsPerHost, String hostPrefix) {
		Map<String, Object> props = new HashMap<>();
		props.put("spring.kafka.bootstrap-servers", env.bootstrap);
		props.put("spring.main.banner-mode", "off");
		props.put("logging.level.root", "WARN");
		props.put("logging.level.dev.kow", "WARN");
		props.put("worker.schema-registry.url", env.registry);
		props.put("worker.topics.high", topics.high());
		props.put("worker.topics.normal", topics.normal());
		props.put("worker.topics.batch", topics.batch());
		props.put("worker.topics.results", topics.results());
		props.put("worker.topics.dead-letter", topics.deadLetter());
		props.put("worker.topics.fleet-state", topics.group() + ".fleet");
		props.put("worker.intake.group-id", topics.group());
		for (int i = 0; i < hosts.size(); i++) {
			props.put("worker.ollama.hosts[" + i + "].id", hostPrefix + "-" + i);
			props.put("worker.ollama.hosts[" + i + "].url", hosts.get(i).baseUrl());
			props.put("worker.ollama.hosts[" + i + "].slots", Integer.toString(slotsPerHost));
		}
		props.putAll(env.workerProperties);
		return props;
	}

	@Override
	public void close() {
		this.context.close();
	}

}
