package dev.kow.worker.timeouts;

import java.time.Duration;

import dev.kow.worker.config.TimeoutProperties;
import dev.kow.worker.ollama.CallBudget;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The estimator's maths on fixed samples (no clock is involved: samples carry their
 * durations).
 */
class TimeoutEstimatorTest {

	private static final long MS = 1_000_000L;

	private static TimeoutProperties properties() {
		return new TimeoutProperties(Duration.ofSeconds(120), Duration.ofSeconds(30), Duration.ofMinutes(10),
				Duration.ofSeconds(60), true, 5, 3.0, 4.0, Duration.ofMillis(200), Duration.ofMinutes(10),
				Duration.ofMillis(20), Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofMinutes(30),
				Duration.ofMillis(100));
	}

	/**
	 * A healthy 4090-like host: 100 tokens of prompt in 25 ms, 200 tokens at 10 ms each,
	 * 10 ms gaps.
	 */
	private static CallSample healthy() {
		return new CallSample(100, 25 * MS, 200, 2000 * MS, 5 * MS, 10 * MS, 14 * MS);
	}

	@Test
	void staticBudgetsUntilEnoughSamplesButTheStallBudgetFromTheFirstAnswer() {
		TimeoutEstimator estimator = new TimeoutEstimator(properties());
		assertThat(estimator.budget("h", "m", 400, null, true))
			.isEqualTo(new CallBudget(Duration.ofSeconds(120), Duration.ofSeconds(30), Duration.ofMinutes(10)));
		for (int i = 0; i < 4; i++) {
			estimator.observe("h", "m", healthy());
		}
		CallBudget budget = estimator.budget("h", "m", 400, null, true);
		assertThat(budget.timeToFirstToken()).isEqualTo(Duration.ofSeconds(120));
		assertThat(budget.total()).isEqualTo(Duration.ofMinutes(10));
		assertThat(budget.streamStall()).as("chunk gaps are measured, not derived: learned at once")
			.isLessThan(Duration.ofSeconds(1));
		assertThat(estimator.budget("h", "m", 400, null, false).timeToFirstToken())
			.as("a cold model gets the cold-load allowance")
			.isEqualTo(Duration.ofSeconds(180));
	}

	@Test
	void learnedStallBudgetIsASmallMultipleOfTheGap() {
		TimeoutEstimator estimator = new TimeoutEstimator(properties());
		for (int i = 0; i < 20; i++) {
			estimator.observe("h", "m", healthy());
		}
		CallBudget budget = estimator.budget("h", "m", 400, null, true);
		// 10 ms mean gap and 14 ms longest gap per call: max(4 x 10, 1.5 x 14) = 40 ms
		assertThat(budget.streamStall()).isBetween(Duration.ofMillis(40), Duration.ofMillis(60));
		assertThat(budget.streamStall().toNanos()).as("within 5 x the expected gap").isLessThan(5 * 12 * MS);
	}

	@Test
	void totalFollowsNumPredictAndTheLearnedDecodeRate() {
		TimeoutEstimator estimator = new TimeoutEstimator(properties());
		for (int i = 0; i < 20; i++) {
			estimator.observe("h", "m", healthy());
		}
		CallBudget shortAnswer = estimator.budget("h", "m", 400, 50, true);
		CallBudget longAnswer = estimator.budget("h", "m", 400, 2000, true);
		// 2000 tokens x 10 ms x safety 3 = 60 s, plus time to first token
		assertThat(longAnswer.total()).isBetween(Duration.ofSeconds(60), Duration.ofSeconds(62));
		assertThat(shortAnswer.total()).isLessThan(longAnswer.total());
	}

	@Test
	void aSlowButHealthyHostGetsBudgetsFromItsOwnSpeed() {
		TimeoutEstimator estimator = new TimeoutEstimator(properties());
		for (int i = 0; i < 20; i++) {
			estimator.observe("fast", "m", healthy());
			estimator.observe("slow", "m", new CallSample(100, 2500 * MS, 200, 20000 * MS, 5 * MS, 100 * MS, 140 * MS));
		}
		CallBudget fast = estimator.budget("fast", "m", 400, null, true);
		CallBudget slow = estimator.budget("slow", "m", 400, null, true);
		assertThat(slow.total()).isGreaterThan(fast.total().multipliedBy(9));
		assertThat(slow.streamStall()).isGreaterThan(fast.streamStall().multipliedBy(9));
		// a 200-token answer at 100 ms per token (20 s) fits with room to spare
		assertThat(slow.total()).isGreaterThan(Duration.ofSeconds(40));
	}

	@Test
	void aColdModelGetsTheLearnedColdLoadTime() {
		TimeoutEstimator estimator = new TimeoutEstimator(properties());
		for (int i = 0; i < 20; i++) {
			estimator.observe("h", "m", healthy());
		}
		estimator.observe("h", "m", new CallSample(100, 25 * MS, 200, 2000 * MS, 8000 * MS, 10 * MS, 14 * MS));
		CallBudget cold = estimator.budget("h", "m", 400, null, false);
		CallBudget warm = estimator.budget("h", "m", 400, null, true);
		assertThat(cold.timeToFirstToken()).isGreaterThanOrEqualTo(Duration.ofSeconds(8));
		assertThat(warm.timeToFirstToken()).isLessThan(Duration.ofSeconds(1));
	}

	@Test
	void theOvertakenBudgetLeavesOutTheLoadButGrowsWithThePrompt() {
		TimeoutEstimator estimator = new TimeoutEstimator(properties());
		estimator.observe("h", "m", healthy());
		assertThat(estimator.budget("h", "m", 400, null, true).overtakenFirstToken())
			.as("static until min-samples, like the first-token budget")
			.isEqualTo(Duration.ofSeconds(120));
		for (int i = 0; i < 20; i++) {
			estimator.observe("h", "m", healthy());
		}
		// 116 prompt tokens x 0.25 ms + the 10 ms gap, x safety 3 = 117 ms
		CallBudget warm = estimator.budget("h", "m", 400, null, true);
		assertThat(warm.overtakenFirstToken()).isBetween(Duration.ofMillis(116), Duration.ofMillis(118));
		assertThat(warm.timeToFirstToken()).as("its own floor is 200 ms").isEqualTo(Duration.ofMillis(200));
		CallBudget cold = estimator.budget("h", "m", 400, null, false);
		assertThat(cold.overtakenFirstToken()).as("a later call answered first means the model is loaded")
			.isEqualTo(warm.overtakenFirstToken());
		assertThat(cold.timeToFirstToken()).isGreaterThan(Duration.ofSeconds(60));
		// 100,016 tokens x 0.25 ms x 3 = 75 s: short prompts sent later may overtake a
		// long one while it prefills
		assertThat(estimator.budget("h", "m", 400_000, null, true).overtakenFirstToken())
			.isGreaterThan(Duration.ofSeconds(75));
	}

	@Test
	void budgetsAreClampedToTheirFloors() {
		TimeoutEstimator estimator = new TimeoutEstimator(properties());
		for (int i = 0; i < 20; i++) {
			estimator.observe("h", "m", new CallSample(10, MS / 10, 5, MS, MS / 10, MS / 10, MS / 10));
		}
		CallBudget budget = estimator.budget("h", "m", 10, null, true);
		assertThat(budget.timeToFirstToken()).isEqualTo(Duration.ofMillis(200));
		assertThat(budget.streamStall()).isEqualTo(Duration.ofMillis(20));
		assertThat(budget.overtakenFirstToken()).isEqualTo(Duration.ofMillis(100));
		assertThat(budget.total()).isEqualTo(Duration.ofSeconds(1));
	}

	@Test
	void theOvertakenBudgetNeverExceedsTheFirstTokenBudget() {
		TimeoutProperties p = properties();
		TimeoutEstimator estimator = new TimeoutEstimator(new TimeoutProperties(p.timeToFirstToken(), p.streamStall(),
				p.total(), p.coldLoad(), true, 5, 3.0, 4.0, p.ttftFloor(), p.ttftCeiling(), p.stallFloor(),
				p.stallCeiling(), p.totalFloor(), p.totalCeiling(), Duration.ofMinutes(20)));
		for (int i = 0; i < 20; i++) {
			estimator.observe("h", "m", healthy());
		}
		CallBudget budget = estimator.budget("h", "m", 400, null, true);
		assertThat(budget.overtakenFirstToken()).as("a floor above the first-token budget turns the check off")
			.isEqualTo(budget.timeToFirstToken());
	}

}
