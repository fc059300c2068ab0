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
 * The packaged worker ({@code worker/target/worker.jar}) as a separate process: SIGTERM mid-run makes
 * it stop reading, finish its in-flight calls, commit and leave the group within its drain timeout; a
 * second worker then does the rest, and nothing is lost or done twice.
 */
@ExtendWith(SharedFixtures.class)
class WorkerProcessIT {

	private static final Path JAR = Path.of("target", "worker.jar");

	private OllamaSimulator host;

	private Pipeline pipeline;

	private Process process;

	@BeforeEach
	void start(KafkaBroker broker, ApicurioRegistry registry) {
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(1.0).withNumParallel(2));
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

	@Test
	void sigtermDrainsInFlightWorkCommitsAndLeavesSoNothingIsLostOrRedone() throws Exception {
		assertThat(JAR).as("the worker jar is built by the package phase").exists();
		int total = 40;
		for (int i = 0; i < total; i++) {
			this.pipeline.send(this.pipeline.normal, i % 2, Pipeline.generate("t" + i, "prompt " + i).build());
		}
		Map<String, Object> props = this.pipeline.workerProperties(2, new OllamaSimulator[] { this.host },
				"worker.intake.drain-timeout=20s", "logging.level.dev.kow=INFO");
		List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
				JAR.toString()));
		command.addAll(List.of(WorkerApplication.arguments(props)));
		File log = Files.createTempFile("worker-process", ".log").toFile();
		this.process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();

		Map<String, List<InferenceResult>> early = this.pipeline.awaitResults(8, Duration.ofSeconds(90));
		assertThat(early).as("the process worker answers").hasSizeGreaterThanOrEqualTo(8);
		this.process.destroy(); // SIGTERM
		assertThat(this.process.waitFor(45, TimeUnit.SECONDS)).as("exits within the drain timeout").isTrue();
		String output = Files.readString(log.toPath());
		assertThat(output).contains("draining").contains("committed");

		this.pipeline.startWorker(2, this.host);
		Map<String, List<InferenceResult>> all = this.pipeline.awaitResults(total, Duration.ofSeconds(90));
		assertThat(all).as("every request answered").hasSize(total);
		int duplicates = all.values().stream().mapToInt(list -> list.size() - 1).sum();
		assertThat(duplicates).as("the drain finished and committed the in-flight calls").isZero();
	}
}
