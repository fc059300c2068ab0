package dev.kow.worker.intake;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The pause and resume rule, with its hysteresis, per partition and per lane. */
class BackpressureTest {

	private static final TopicPartition BATCH_0 = new TopicPartition("batch", 0);

	private static final TopicPartition BATCH_1 = new TopicPartition("batch", 1);

	private static final TopicPartition HIGH_0 = new TopicPartition("high", 0);

	private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

	private final Backpressure rule = new Backpressure(10, 30);

	@Test
	void aFullPartitionIsPausedAndResumedOnlyAtHalf() {
		assertThat(this.rule.evaluate(List.of(new Backpressure.Load(BATCH_0, 9, 9)), NOW).pause()).isEmpty();
		assertThat(this.rule.evaluate(List.of(new Backpressure.Load(BATCH_0, 10, 10)), NOW).pause())
			.containsExactly(BATCH_0);
		assertThat(this.rule.evaluate(List.of(new Backpressure.Load(BATCH_0, 10, 10)), NOW).pause())
			.as("already paused")
			.isEmpty();
		assertThat(this.rule.evaluate(List.of(new Backpressure.Load(BATCH_0, 6, 6)), NOW).resume())
			.as("above half: stays paused")
			.isEmpty();
		assertThat(this.rule.evaluate(List.of(new Backpressure.Load(BATCH_0, 5, 5)), NOW).resume())
			.containsExactly(BATCH_0);
		assertThat(this.rule.pauses()).isOne();
	}

	@Test
	void aFullLanePausesItsPartitionsButNotAnotherLanes() {
		Backpressure.Changes changes = this.rule.evaluate(List.of(new Backpressure.Load(BATCH_0, 3, 30),
				new Backpressure.Load(BATCH_1, 2, 30), new Backpressure.Load(HIGH_0, 1, 1)), NOW);
		assertThat(changes.pause()).isEqualTo(Set.of(BATCH_0, BATCH_1));
		assertThat(changes.resume()).isEmpty();
	}

	@Test
	void aHeldPartitionStaysPausedUntilTheHoldEndsAndAForgottenOneIsNotResumed() {
		this.rule.holdUntil(BATCH_0, NOW.plusSeconds(2));
		assertThat(this.rule.evaluate(List.of(new Backpressure.Load(BATCH_0, 0, 0)), NOW).pause())
			.containsExactly(BATCH_0);
		assertThat(this.rule.evaluate(List.of(new Backpressure.Load(BATCH_0, 0, 0)), NOW.plusSeconds(1)).resume())
			.isEmpty();
		assertThat(this.rule.evaluate(List.of(new Backpressure.Load(BATCH_0, 0, 0)), NOW.plus(Duration.ofSeconds(2)))
			.resume()).containsExactly(BATCH_0);

		this.rule.evaluate(List.of(new Backpressure.Load(BATCH_1, 10, 10)), NOW);
		this.rule.forget(BATCH_1);
		assertThat(this.rule.evaluate(List.of(new Backpressure.Load(BATCH_1, 0, 0)), NOW).resume())
			.as("a revoked partition is not resumed; a new assignment starts unpaused")
			.isEmpty();
	}

}
