package dev.kow.worker;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kow.avro.InferenceResult;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.testkit.KafkaBroker;
import dev.kow.testkit.SharedFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged worker ({@code worker/target/worker.jar}) as a separate process. SIGTERM mid-run makes
 * it stop reading, finish its in-flight calls, commit and leave the group within its drain timeout; a
 * second worker then does the rest, and nothing is lost or done twice. {@code kill -9} loses nothing
 * either; the second worker redoes what was in flight or completed since the last commit.
 */
@ExtendWith(SharedFixtures.class)
class WorkerProcessIT {

	private static final Path JAR = Path.of("target", "worker.jar");

	private static final int SLOTS = 2;

	private OllamaSimulator host;

	private Pipeline pipeline;

	private Process process;

	@BeforeEach
	void start(KafkaBroker broker, ApicurioRegistry registry) {
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(1.0).withNumParallel(SLOTS));
		this.pipeline = new Pipeline(broker, registry.confluentUrl(), 2);
	}

	@AfterEach
	void stop() {
		if (this.process != null) {
			this.process.destroyForcibly();
		}
		this.pipeline.close();
		this.host.close();
	}

	/** Sends {@code total} requests and starts the packaged worker on them; returns its log file. */
	private File startProcessWorker(int total) throws Exception {
		assertThat(JAR).as("the worker jar is built by the package phase").exists();
		for (int i = 0; i < total; i++) {
			this.pipeline.send(this.pipeline.normal, i % 2, Pipeline.generate("t" + i, "prompt " + i).build());
		}
		Map<String, Object> props = this.pipeline.workerProperties(SLOTS, new OllamaSimulator[] { this.host },
				"worker.intake.drain-timeout=20s", "logging.level.dev.kow=INFO",
				// the group notices a killed member after its session timeout: the broker's minimum, not 45 s
				"spring.kafka.consumer.properties.session.timeout.ms=6000");
		List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
				JAR.toString()));
		command.addAll(List.of(WorkerApplication.arguments(props)));
		File log = Files.createTempFile("worker-process", ".log").toFile();
		this.process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
		return log;
	}

	@Test
	void killMinus9LosesNothingAndRedoesOnlyItsUncommittedWork() throws Exception {
		int total = 40;
		startProcessWorker(total);
		assertThat(this.pipeline.awaitResults(8, Duration.ofSeconds(90))).hasSizeGreaterThanOrEqualTo(8);
		this.process.destroyForcibly(); // SIGKILL: no drain, no final commit
		assertThat(this.process.waitFor(30, TimeUnit.SECONDS)).isTrue();

		this.pipeline.startWorker(SLOTS, this.host);
		Map<String, List<InferenceResult>> all = this.pipeline.awaitResults(total, Duration.ofSeconds(120));
		assertThat(all).as("every request answered").hasSize(total);
		int duplicates = all.values().stream().mapToInt(list -> list.size() - 1).sum();
		System.out.printf("kill -9: %d duplicate result(s) of %d requests (slots %d, commit interval 200 ms)%n",
				duplicates, total, SLOTS);
		assertThat(duplicates).as("at most the calls in flight and those completed since the last commit")
			.isLessThanOrEqualTo(2 * SLOTS);
	}

	@Test
	void sigtermDrainsInFlightWorkCommitsAndLeavesSoNothingIsLostOrRedone() throws Exception {
		int total = 40;
		File log = startProcessWorker(total);

		Map<String, List<InferenceResult>> early = this.pipeline.awaitResults(8, Duration.ofSeconds(90));
		assertThat(early).as("the process worker answers").hasSizeGreaterThanOrEqualTo(8);
		this.process.destroy(); // SIGTERM
		assertThat(this.process.waitFor(45, TimeUnit.SECONDS)).as("exits within the drain timeout").isTrue();
		String output = Files.readString(log.toPath());
		assertThat(output).contains("draining").contains("committed");

		this.pipeline.startWorker(SLOTS, this.host);
		Map<String, List<InferenceResult>> all = this.pipeline.awaitResults(total, Duration.ofSeconds(90));
		assertThat(all).as("every request answered").hasSize(total);
		int duplicates = all.values().stream().mapToInt(list -> list.size() - 1).sum();
		assertThat(duplicates).as("the drain finished and committed the in-flight calls").isZero();
	}
}
