package dev.kow.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One formatted KRaft broker directory and the {@code kafka.Kafka} process running on it,
 * which can be stopped and started again on the same ports and data (a broker outage),
 * and is stopped by its process id.
 */
final class BrokerProcess {

	private static final Logger log = LoggerFactory.getLogger(BrokerProcess.class);

	private final String java;

	private final String classPath;

	private final Path dir;

	private final Map<String, Object> clientConfig;

	private Process process;

	/**
	 * @param java the java executable
	 * @param classPath class path holding the Kafka server jars
	 * @param dir the formatted directory, holding {@code server.properties}
	 * @param clientConfig what a client needs to reach the broker,
	 * {@code bootstrap.servers} included
	 */
	BrokerProcess(String java, String classPath, Path dir, Map<String, Object> clientConfig) {
		this.java = java;
		this.classPath = classPath;
		this.dir = dir;
		this.clientConfig = clientConfig;
	}

	/** Starts the broker and waits up to 60 s until it answers. */
	synchronized void launch() {
		if (this.process != null && this.process.isAlive()) {
			throw new IllegalStateException("the broker process " + this.process.pid() + " is running");
		}
		Path brokerLog = this.dir.resolve("broker.log");
		try {
			this.process = new ProcessBuilder(this.java, "-Xmx512m", "-cp", this.classPath, "kafka.Kafka",
					this.dir.resolve("server.properties").toString())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(brokerLog.toFile()))
				.start();
			awaitAnswer(brokerLog);
		}
		catch (IOException ex) {
			throw new IllegalStateException("could not start the Kafka broker process", ex);
		}
		log.info("Kafka broker: standalone process pid {} at {} (log {})", this.process.pid(),
				this.clientConfig.get("bootstrap.servers"), brokerLog);
	}

	private void awaitAnswer(Path brokerLog) throws IOException {
		long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		try (Admin admin = Admin.create(this.clientConfig)) {
			while (true) {
				if (!this.process.isAlive()) {
					throw new IllegalStateException("the Kafka broker process exited with " + this.process.exitValue()
							+ ": " + Files.readString(brokerLog));
				}
				try {
					admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
					return;
				}
				catch (ExecutionException | TimeoutException notYet) {
					if (System.nanoTime() > until) {
						this.process.destroyForcibly();
						throw new IllegalStateException(
								"the Kafka broker process did not answer within 60 s; see " + brokerLog);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException(ex);
				}
			}
		}
	}

	/** SIGTERM (a controlled shutdown), SIGKILL after 20 s; the data stays. */
	synchronized void stop() {
		if (this.process == null) {
			return;
		}
		try {
			this.process.destroy();
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Stops the broker and deletes its directory. */
	synchronized void close() throws IOException {
		stop();
		if (Files.exists(this.dir)) {
			try (Stream<Path> files = Files.walk(this.dir)) {
				files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
			}
		}
	}

}
