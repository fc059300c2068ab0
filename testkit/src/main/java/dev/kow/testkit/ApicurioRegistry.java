package dev.kow.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apicurio Registry 3 process serving the Confluent Schema Registry API at
 * {@code /apis/ccompat/v7}, bound to 127.0.0.1 on free ports, with the global
 * compatibility set to BACKWARD (Apicurio's default is NONE). Stopped by its process id
 * on {@link #close()}.
 *
 * <p>
 * The distribution is unpacked by the testkit build into {@code testkit/target/apicurio};
 * its location reaches tests as the system property {@code apicurio.home}.
 */
public final class ApicurioRegistry implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(ApicurioRegistry.class);

	private final Process process;

	private final String baseUrl;

	private ApicurioRegistry(Process process, String baseUrl) {
		this.process = process;
		this.baseUrl = baseUrl;
	}

	/**
	 * Starts the registry and waits until its Confluent API answers.
	 * @param home the unpacked distribution (holding {@code quarkus-run.jar})
	 * @param logFile where the registry's output goes
	 * @return the running registry
	 * @throws IllegalStateException when it does not come up within 90 s
	 */
	public static ApicurioRegistry start(Path home, Path logFile) {
		Path jar = home.toAbsolutePath().resolve("quarkus-run.jar");
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException(
					"no Apicurio Registry at " + jar + "; build the testkit module first (./mvnw -B verify does)");
		}
		int httpPort = Ports.free();
		int managementPort = Ports.free();
		String java = ProcessHandle.current().info().command().orElse("java");
		ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx384m", "-jar", jar.toString()))
			.directory(home.toFile())
			.redirectErrorStream(true)
			.redirectOutput(logFile.toFile());
		builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
		builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
		builder.environment().put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
		builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
		try {
			Files.createDirectories(logFile.getParent());
			Process process = builder.start();
			ApicurioRegistry registry = new ApicurioRegistry(process, "http://127.0.0.1:" + httpPort);
			registry.awaitReady(Duration.ofSeconds(90), logFile);
			registry.put("/apis/ccompat/v7/config", "{\"compatibility\":\"BACKWARD\"}");
			log.info("Apicurio Registry pid {} at {}", process.pid(), registry.confluentUrl());
			return registry;
		}
		catch (IOException ex) {
			throw new IllegalStateException("could not start Apicurio Registry", ex);
		}
	}

	/**
	 * Starts the registry found through the {@code apicurio.home} system property.
	 * @return the running registry
	 */
	public static ApicurioRegistry startFromSystemProperty() {
		String home = System.getProperty("apicurio.home");
		if (home == null) {
			throw new IllegalStateException(
					"system property apicurio.home is not set (the Failsafe configuration sets it)");
		}
		return start(Path.of(home), Path.of("target", "apicurio-" + ProcessHandle.current().pid() + ".log"));
	}

	/**
	 * @return the Confluent-compatible base URL,
	 * {@code http://127.0.0.1:PORT/apis/ccompat/v7}
	 */
	public String confluentUrl() {
		return this.baseUrl + "/apis/ccompat/v7";
	}

	private void awaitReady(Duration timeout, Path logFile) {
		Instant until = Instant.now().plus(timeout);
		HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		while (Instant.now().isBefore(until)) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("Apicurio Registry exited with " + this.process.exitValue() + "; see "
						+ logFile.toAbsolutePath());
			}
			try {
				HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(confluentUrl() + "/subjects"))
					.timeout(Duration.ofSeconds(2))
					.build(), HttpResponse.BodyHandlers.ofString());
				if (answer.statusCode() == 200) {
					return;
				}
			}
			catch (IOException notYet) {
				// still starting
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			sleep(200);
		}
		close();
		throw new IllegalStateException(
				"Apicurio Registry not ready within " + timeout + "; see " + logFile.toAbsolutePath());
	}

	private void put(String path, String json) {
		try {
			HttpClient.newBuilder()
				.version(HttpClient.Version.HTTP_1_1)
				.build()
				.send(HttpRequest.newBuilder(URI.create(this.baseUrl + path))
					.header("Content-Type", "application/vnd.schemaregistry.v1+json")
					.PUT(HttpRequest.BodyPublishers.ofString(json))
					.build(), HttpResponse.BodyHandlers.discarding());
		}
		catch (IOException ex) {
			throw new IllegalStateException("PUT " + path + " failed", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(15, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void sleep(long ms) {
		try {
			Thread.sleep(ms);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
