package dev.kow.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.kow.avro.GenerationOptions;
import dev.kow.avro.InferenceResult;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.testkit.KafkaBroker;
import dev.kow.testkit.SharedFixtures;
import dev.kow.worker.intake.IntakeLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Out-of-order completion across rebalances and back-pressure, on a real broker and
 * registry.
 */
@ExtendWith(SharedFixtures.class)
class RebalanceIT {

	private OllamaSimulator host;

	private Pipeline pipeline;

	@BeforeEach
	void start(KafkaBroker broker, ApicurioRegistry registry) {
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.05).withNumParallel(4));
		this.pipeline = new Pipeline(broker, registry.confluentUrl(), 4);
	}

	@AfterEach
	void stop() {
		this.pipeline.close();
		this.host.close();
	}

	@Test
	void workersJoiningAndLeavingMidRunLoseNothing() {
		int total = 400;
		for (int i = 0; i < total; i++) {
			this.pipeline.send(this.pipeline.batch, i % 4,
					Pipeline.generate("j" + i, "prompt " + i)
						.setOptions(GenerationOptions.newBuilder().setNumPredict(120).build())
						.build());
		}
		ConfigurableApplicationContext first = this.pipeline.startWorker(4, this.host);
		this.pipeline.awaitResults(50, Duration.ofSeconds(60));
		ConfigurableApplicationContext second = this.pipeline.startWorker(4, this.host);
		Map<String, List<InferenceResult>> midway = this.pipeline.awaitResults(200, Duration.ofSeconds(60));
		assertThat(midway.size()).isLessThan(total);
		first.close();
		Map<String, List<InferenceResult>> all = this.pipeline.awaitResults(total, Duration.ofSeconds(120));

		assertThat(all).as("every request answered across two rebalances").hasSize(total);
		int duplicates = all.values().stream().mapToInt(list -> list.size() - 1).sum();
		assertThat(duplicates)
			.as("at most the calls cancelled at the two rebalances (2 slots each once they share the host) are redone")
			.isLessThanOrEqualTo(2 * 2);
		assertThat(second.isRunning()).isTrue();
	}

	@Test
	void aFullPartitionIsPausedAndResumedUntilItsBacklogIsDone() {
		int total = 80;
		for (int i = 0; i < total; i++) {
			this.pipeline.send(this.pipeline.normal, 0, Pipeline.generate("p" + i, "prompt " + i).build());
		}
		ConfigurableApplicationContext worker = this.pipeline.startWorkerWith(2, this.host,
				"worker.scheduling.max-buffered-per-partition=6", "spring.kafka.consumer.max-poll-records=3");
		Map<String, List<InferenceResult>> all = this.pipeline.awaitResults(total, Duration.ofSeconds(90));

		assertThat(all).hasSize(total);
		assertThat(worker.getBean(IntakeLoop.class).pauses()).as("paused at least once per refill").isGreaterThan(5);
		assertThat(this.host.requestLog().peakOverlap()).as("never more requests on the host than its slots")
			.isLessThanOrEqualTo(2);
	}

}
