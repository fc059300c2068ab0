package dev.kow.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The kafka-ollama-worker process: reads prompt jobs from the high, normal and batch
 * topics, runs them on a pool of Ollama hosts and publishes results and dead letters.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WorkerApplication {

	/**
	 * @param args Spring Boot arguments, for example
	 * {@code --worker.ollama.hosts[0].url=...}
	 */
	public static void main(String[] args) {
		SpringApplication.run(WorkerApplication.class, args);
	}

	/**
	 * Turns properties into command-line arguments, the highest-precedence property
	 * source, for embedding the worker (demo, benchmarks, tests):
	 * {@code SpringApplicationBuilder.properties(...)} would only set defaults, which
	 * {@code application.yml} overrides.
	 * @param properties property name to value
	 * @return {@code --name=value} arguments
	 */
	public static String[] arguments(java.util.Map<String, ?> properties) {
		return properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
	}

}
