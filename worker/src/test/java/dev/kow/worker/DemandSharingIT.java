package dev.kow.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.kow.avro.GenerationOptions;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Status;
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
 * Fleet-wide slot sharing by demand ({@code worker.ollama.slot-sharing.mode=demand}) on a
 * real broker, with three workers sharing one host: a backlog that lands on one partition
 * is served by all of the host's slots, not by the third that an equal split gives its
 * worker.
 */
@ExtendWith(SharedFixtures.class)
class DemandSharingIT {

	private static final int SLOTS = 6;

	private OllamaSimulator host;

	private Pipeline pipeline;

	@BeforeEach
	void start(KafkaBroker broker, ApicurioRegistry registry) {
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.5).withNumParallel(SLOTS));
		this.pipeline = new Pipeline(broker, registry.confluentUrl(), 3);
	}

	@AfterEach
	void stop() {
		this.pipeline.close();
		this.host.close();
	}

	@Test
	void aBacklogOnOnePartitionGetsEverySlotOfTheFleetAndNoHostGoesOverItsSlots() {
		for (String worker : List.of("w1", "w2", "w3")) {
			this.pipeline.startWorkerWith(SLOTS, this.host, "worker.ollama.slot-sharing.mode=demand",
					"worker.intake.worker-id=" + worker);
		}
		this.pipeline.awaitMembersHoldingPartitions(3);
		int total = 90;
		for (int i = 0; i < total; i++) {
			this.pipeline.send(this.pipeline.batch, 0,
					Pipeline.generate("d" + i, "prompt " + i)
						.setOptions(GenerationOptions.newBuilder().setNumPredict(100).build())
						.build());
		}

		Map<String, List<InferenceResult>> all = this.pipeline.awaitResults(total, Duration.ofSeconds(120));

		assertThat(all).as("every request answered").hasSize(total);
		assertThat(all.values().stream().flatMap(List::stream).map(InferenceResult::getStatus).distinct())
			.containsExactly(Status.SUCCEEDED);
		assertThat(this.host.requestLog().peakOverlap())
			.as("the one worker with work used every slot of the host (an equal split gives it %d)", SLOTS / 3)
			.isEqualTo(SLOTS);
		assertThat(this.host.requestLog().msAbove(SLOTS)).as("never over the host's slots").isZero();
	}

}
