package dev.kow.worker;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.kow.avro.InferenceResult;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.testkit.KafkaBroker;
import dev.kow.testkit.SharedFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fleet as real processes: a standalone Kafka broker process
 * ({@link KafkaBroker#startProcess()}) and three packaged workers
 * ({@code worker/target/worker.jar}) in one consumer group, with cooperative rebalancing.
 * Workers join mid-run, one leaves by SIGTERM (drain: stop reading, finish in-flight
 * calls, commit, leave the group), one is killed with {@code kill -9}; every request gets
 * its answer, and the only results published twice are those of the killed worker's
 * uncommitted work. A result's {@code worker_id} says which worker ({@code w1},
 * {@code w2}, {@code w3}) produced it; every worker names the shared host alike, as slot
 * sharing by demand requires. The workers split the host's slots by demand (slot sharing,
 * the default): the host is over its slots at most for the hand-over races the guard
 * cannot see (two workers taking more at once from views a publish apart).
 */
@ExtendWith(SharedFixtures.class)
class FleetIT {

	private static final Path JAR = Path.of("target", "worker.jar");

	/**
	 * The host's slots ({@code OLLAMA_NUM_PARALLEL}), configured as such in every worker,
	 * which share them.
	 */
	private static final int SLOTS = 6;

	private static final int TOTAL = 480;

	/**
	 * Requests sent before the first worker starts; the rest once three workers hold
	 * partitions.
	 */
	private static final int FIRST_WAVE = 120;

	private static KafkaBroker broker;

	private OllamaSimulator host;

	private Pipeline pipeline;

	private final List<Process> processes = new ArrayList<>();

	@BeforeAll
	static void startBroker() {
		broker = KafkaBroker.startProcess();
	}

	@AfterAll
	static void stopBroker() throws Exception {
		broker.close();
	}

	@BeforeEach
	void start(ApicurioRegistry registry) {
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(1.0).withNumParallel(SLOTS));
		this.pipeline = new Pipeline(broker, registry.confluentUrl(), 6);
	}

	@AfterEach
	void stop() {
		this.processes.forEach(Process::destroyForcibly);
		this.pipeline.close();
		this.host.close();
	}

	private Process startWorker(String name, File log) throws Exception {
		assertThat(JAR).as("the worker jar is built by the package phase").exists();
		Map<String, Object> props = this.pipeline.workerProperties(SLOTS, new OllamaSimulator[] { this.host },
				"worker.intake.worker-id=" + name, "worker.intake.drain-timeout=20s", "logging.level.dev.kow=INFO",
				// the group notices a killed member after its session timeout: the
				// broker's minimum, not 45 s
				"spring.kafka.consumer.properties.session.timeout.ms=6000");
		List<String> command = new ArrayList<>(
				List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-jar", JAR.toString()));
		command.addAll(List.of(WorkerApplication.arguments(props)));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
		this.processes.add(process);
		return process;
	}

	/**
	 * Sends requests {@code from} to {@code to} (exclusive), round robin over the lanes
	 * and 6 partitions.
	 */
	private void send(int from, int to) {
		for (int i = from; i < to; i++) {
			String lane = List.of(this.pipeline.high, this.pipeline.normal, this.pipeline.batch).get(i % 3);
			this.pipeline.send(lane, (i / 3) % 6, Pipeline.generate("t" + i, "prompt " + i).build());
		}
	}

	/** {@code target/fleet/<worker>.log}: kept for reading after a failure. */
	private static File logFile(String worker) throws Exception {
		Path dir = Files.createDirectories(Path.of("target", "fleet"));
		return dir.resolve(worker + ".log").toFile();
	}

	private static Map<String, Long> byWorker(Map<String, List<InferenceResult>> results) {
		return results.values()
			.stream()
			.flatMap(List::stream)
			.collect(Collectors.groupingBy(result -> String.valueOf(result.getWorkerId()), Collectors.counting()));
	}

	/**
	 * Waits until {@code worker} has produced at least {@code count} results; returns all
	 * results.
	 */
	private Map<String, List<InferenceResult>> awaitWorker(String worker, long count) {
		long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
		Map<String, List<InferenceResult>> results = this.pipeline.awaitResults(0, Duration.ZERO);
		while (byWorker(results).getOrDefault(worker, 0L) < count && System.nanoTime() < until) {
			results = this.pipeline.awaitResults(results.size() + 1, Duration.ofMillis(500));
		}
		assertThat(byWorker(results).getOrDefault(worker, 0L)).as("results from " + worker)
			.isGreaterThanOrEqualTo(count);
		return results;
	}

	@Test
	void workersJoinLeaveAndDieMidRunWithoutLosingAJob() throws Exception {
		send(0, FIRST_WAVE);
		File log2 = logFile("w2");
		startWorker("w1", logFile("w1"));
		awaitWorker("w1", 20);

		// two workers join mid-run: the cooperative assignor moves partitions to them
		// incrementally. The rest of the load is sent once they hold partitions: on a
		// busy
		// machine their JVMs take long enough to start that w1 could otherwise finish
		// every
		// record of the partitions they get, leaving them nothing to do.
		Process w2 = startWorker("w2", log2);
		Process w3 = startWorker("w3", logFile("w3"));
		this.pipeline.awaitMembersHoldingPartitions(3);
		send(FIRST_WAVE, TOTAL);
		awaitWorker("w2", 10);
		awaitWorker("w3", 10);

		// w2 leaves by SIGTERM: it drains within its drain timeout and the group takes
		// its partitions back
		w2.destroy();
		assertThat(w2.waitFor(45, TimeUnit.SECONDS)).as("w2 exits within its drain timeout").isTrue();
		assertThat(Files.readString(log2.toPath())).contains("draining").contains("drained; committed");

		// w3 dies with kill -9: no drain, no final commit; w1 redoes its uncommitted work
		// after the session timeout
		long w3Before = byWorker(this.pipeline.awaitResults(0, Duration.ZERO)).getOrDefault("w3", 0L);
		awaitWorker("w3", w3Before + 5);
		w3.destroyForcibly();
		assertThat(w3.waitFor(30, TimeUnit.SECONDS)).isTrue();

		Map<String, List<InferenceResult>> all = this.pipeline.awaitResults(TOTAL, Duration.ofSeconds(180));
		assertThat(all).as("every request answered").hasSize(TOTAL);
		assertThat(all.values().stream().flatMap(List::stream).map(InferenceResult::getStatus).distinct())
			.containsExactly(dev.kow.avro.Status.SUCCEEDED);
		List<List<InferenceResult>> repeated = all.values().stream().filter(list -> list.size() > 1).toList();
		int duplicates = repeated.stream().mapToInt(list -> list.size() - 1).sum();
		long notFromTheKill = repeated.stream()
			.filter(list -> list.stream().noneMatch(result -> "w3".equals(String.valueOf(result.getWorkerId()))))
			.count();
		// by demand, the killed worker may have held every slot of the host
		int w3Share = SLOTS;
		List<dev.kow.sim.RequestLog.Entry> served = this.host.requestLog().entries();
		long runMs = served.stream().mapToLong(e -> e.finishedAtMs()).max().orElse(0)
				- served.stream().mapToLong(e -> e.arrivedAtMs()).min().orElse(0);
		long overMs = this.host.requestLog().msAbove(SLOTS);
		System.out.printf(
				"fleet: %d requests, results by worker %s, %d duplicate result(s) (w3's share at most %d slots, commit"
						+ " interval 200 ms), %d not involving w3; host over its %d slots for %d of %d ms, peak %d%n",
				TOTAL, byWorker(all), duplicates, w3Share, notFromTheKill, SLOTS, overMs, runMs,
				this.host.requestLog().peakOverlap());
		assertThat(notFromTheKill).as("joins and the SIGTERM drain publish nothing twice").isZero();
		assertThat(duplicates)
			.as("at most the killed worker's in-flight calls and those completed since its last commit")
			.isLessThanOrEqualTo(2 * w3Share);
		assertThat(overMs).as("the workers split the host's slots; only hand-over races exceed them")
			.isLessThan(runMs / 50);
	}

}
