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
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fleet-wide slot sharing by demand ({@code worker.ollama.slot-sharing.mode=demand}, the
 * default) on a real broker, with workers sharing one host: a backlog that lands on one
 * partition is served by all of the host's slots, not by the third that an equal split
 * gives its worker, and a high-priority burst on one worker takes slots from batch
 * running on another.
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
	void aBacklogOnOnePartitionGetsEverySlotOfTheFleetAndNoHostGoesOverItsSlots() throws Exception {
		for (String worker : List.of("w1", "w2", "w3")) {
			this.pipeline.startWorkerWith(SLOTS, this.host, "worker.intake.worker-id=" + worker);
		}
		this.pipeline.awaitMembersHoldingPartitions(3);
		assertThat(this.pipeline.fleetStateTopicShape()).as("the workers created the missing fleet-state topic")
			.isEqualTo("1 partition(s), cleanup.policy=compact");
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

	@Test
	void aHighBurstOnOneWorkerTakesSlotsFromBatchRunningOnAnother() throws Exception {
		for (String worker : List.of("w1", "w2")) {
			this.pipeline.startWorkerWith(SLOTS, this.host, "worker.intake.worker-id=" + worker);
		}
		this.pipeline.awaitMembersHoldingPartitions(2);
		Map<String, List<TopicPartition>> held = this.pipeline.assignments();
		List<TopicPartition> first = held.values().stream().findFirst().orElseThrow();
		List<TopicPartition> second = held.values().stream().skip(1).findFirst().orElseThrow();
		int batchPartition = partitionOf(first, this.pipeline.batch);
		int highPartition = partitionOf(second, this.pipeline.high);
		int batch = 60;
		for (int i = 0; i < batch; i++) {
			this.pipeline.send(this.pipeline.batch, batchPartition,
					Pipeline.generate("b" + i, "prompt " + i)
						.setOptions(GenerationOptions.newBuilder().setNumPredict(400).build())
						.build());
		}
		Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> this.host.requestLog().inFlight() == SLOTS);
		int high = 6;
		for (int i = 0; i < high; i++) {
			this.pipeline.send(this.pipeline.high, highPartition, Pipeline.generate("h" + i, "urgent " + i).build());
		}

		Map<String, List<InferenceResult>> all = this.pipeline.awaitResults(batch + high, Duration.ofSeconds(180));

		assertThat(all).hasSize(batch + high);
		assertThat(all.values().stream().flatMap(List::stream).map(InferenceResult::getStatus).distinct())
			.containsExactly(Status.SUCCEEDED);
		assertThat(all.values()
			.stream()
			.flatMap(List::stream)
			.filter(result -> result.getRequestId().startsWith("b"))
			.flatMap(result -> result.getAttemptLog().stream())
			.anyMatch(attempt -> "PREEMPTED".equals(attempt.getErrorCategory())))
			.as("the worker running batch gave slots to the other worker's high-priority jobs")
			.isTrue();
		assertThat(this.host.requestLog().msAbove(SLOTS)).as("the hand-over keeps the host within its slots")
			.isLessThan(1000);
	}

	private static int partitionOf(List<TopicPartition> partitions, String topic) {
		return partitions.stream().filter(p -> p.topic().equals(topic)).findFirst().orElseThrow().partition();
	}

}
