package dev.kow.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The kafka-ollama-worker process: reads prompt jobs from the high, normal and batch topics, runs
 * them on a pool of Ollama hosts and publishes results and dead letters.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WorkerApplication {

	/** @param args Spring Boot arguments, for example {@code --worker.ollama.hosts[0].url=...} */
	public static void main(String[] args) {
		SpringApplication.run(WorkerApplication.class, args);
	}
}
