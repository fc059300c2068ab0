package dev.kow.worker.ollama;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

class CallWatchdogTest {

	private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

	private final CallBudget budget = new CallBudget(Duration.ofSeconds(2), Duration.ofMillis(250),
			Duration.ofSeconds(30));

	private final AtomicReference<Throwable> failure = new AtomicReference<>();

	private final AtomicReference<Long> failedAtMs = new AtomicReference<>();

	/**
	 * 2 s to the first token, 300 ms once overtaken by a later call to the same runner.
	 */
	private final CallBudget overtakable = new CallBudget(Duration.ofSeconds(2), Duration.ofMillis(250),
			Duration.ofSeconds(30), Duration.ofMillis(300));

	private final RunnerActivity runner = new RunnerActivity();

	private CallWatchdog start(CallBudget budget) {
		CallWatchdog watchdog = otherCall(budget);
		watchdog.expired().subscribe(answer -> {
		}, error -> {
			this.failure.set(error);
			this.failedAtMs.set(this.time.now(TimeUnit.MILLISECONDS));
		});
		return watchdog;
	}

	/** A call sent now to the same runner, whose own verdict is not watched. */
	private CallWatchdog otherCall(CallBudget budget) {
		CallWatchdog watchdog = new CallWatchdog("h1", budget, this.runner, this.time,
				() -> this.time.now(TimeUnit.NANOSECONDS));
		watchdog.start();
		return watchdog;
	}

	@AfterEach
	void dispose() {
		this.time.dispose();
	}

	@Test
	void noFirstLineWithinTimeToFirstTokenFailsAtThatBudget() {
		start(this.budget);
		this.time.advanceTimeBy(Duration.ofMillis(1999));
		assertThat(this.failure.get()).isNull();
		this.time.advanceTimeBy(Duration.ofMillis(1));
		assertKind(FailureKind.TTFT_TIMEOUT);
		assertThat(this.failedAtMs.get()).isEqualTo(2000);
	}

	@Test
	void steadyLinesKeepALongGenerationAliveAndAStallIsSeenOneBudgetAfterTheLastLine() {
		CallWatchdog watchdog = start(this.budget);
		this.time.advanceTimeBy(Duration.ofMillis(1500));
		for (int i = 1; i <= 200; i++) { // 20 s of lines 100 ms apart, far past the
											// first-token budget
			watchdog.lineArrived(i);
			this.time.advanceTimeBy(Duration.ofMillis(100));
		}
		assertThat(this.failure.get()).isNull();
		long lastLineMs = this.time.now(TimeUnit.MILLISECONDS) - 100;
		this.time.advanceTimeBy(Duration.ofSeconds(1));
		assertKind(FailureKind.STREAM_STALL);
		assertThat(this.failedAtMs.get()).isEqualTo(lastLineMs + 250);
		assertThat(((OllamaCallException) this.failure.get()).chunksBeforeFailure()).isEqualTo(200);
	}

	@Test
	void aStreamThatStopsAfterItsFirstLinesIsCutOneStallBudgetLaterNotAtTheFirstTokenBudget() {
		CallWatchdog watchdog = start(this.budget);
		this.time.advanceTimeBy(Duration.ofMillis(100));
		watchdog.lineArrived(1);
		this.time.advanceTimeBy(Duration.ofMillis(10));
		watchdog.lineArrived(2);
		this.time.advanceTimeBy(Duration.ofSeconds(5));
		assertKind(FailureKind.STREAM_STALL);
		assertThat(this.failedAtMs.get()).isEqualTo(110 + 250);
	}

	@Test
	void aLineTheEventLoopReadsBeforeConfirmingTheExpiryKeepsTheCallAlive() {
		java.util.List<Runnable> loop = new java.util.ArrayList<>();
		CallWatchdog watchdog = start(this.budget);
		watchdog.confirmOn(loop::add);
		watchdog.lineArrived(1);
		this.time.advanceTimeBy(Duration.ofMillis(300));
		assertThat(this.failure.get()).as("the verdict waits for the event loop").isNull();
		assertThat(loop).hasSize(1);
		watchdog.lineArrived(2); // the loop read a line that waited in the socket during
									// a pause
		loop.remove(0).run();
		assertThat(this.failure.get()).isNull();
		this.time.advanceTimeBy(Duration.ofMillis(300));
		loop.remove(0).run();
		assertKind(FailureKind.STREAM_STALL);
		assertThat(this.failedAtMs.get()).as("given when the loop confirms it").isEqualTo(600);
	}

	@Test
	void theTotalBudgetEndsACallThatStreamsForever() {
		CallWatchdog watchdog = start(
				new CallBudget(Duration.ofSeconds(2), Duration.ofMillis(250), Duration.ofSeconds(5)));
		for (int i = 1; i <= 100 && this.failure.get() == null; i++) {
			watchdog.lineArrived(i);
			this.time.advanceTimeBy(Duration.ofMillis(100));
		}
		assertKind(FailureKind.TOTAL_TIMEOUT);
		assertThat(this.failedAtMs.get()).isEqualTo(5000);
	}

	@Test
	void aStoppedWatchdogNeverFires() {
		CallWatchdog watchdog = start(this.budget);
		watchdog.lineArrived(1);
		watchdog.stop();
		this.time.advanceTimeBy(Duration.ofMinutes(5));
		assertThat(this.failure.get()).isNull();
	}

	@Test
	void aCallOvertakenByALaterCallToItsRunnerFailsAtItsOvertakenBudget() {
		start(this.overtakable);
		this.time.advanceTimeBy(Duration.ofMillis(10));
		CallWatchdog later = otherCall(this.overtakable);
		this.time.advanceTimeBy(Duration.ofMillis(40));
		later.lineArrived(1); // the later call's first line at 50 ms
		this.time.advanceTimeBy(Duration.ofSeconds(3));
		assertKind(FailureKind.TTFT_TIMEOUT);
		assertThat(this.failedAtMs.get()).isEqualTo(300);
		assertThat(this.failure.get()).hasMessageContaining("a call sent later");
	}

	@Test
	void aCallAnsweredLaterThanAnEarlierCallWaitsItsWholeFirstTokenBudget() {
		CallWatchdog earlier = otherCall(this.overtakable);
		this.time.advanceTimeBy(Duration.ofMillis(10));
		start(this.overtakable);
		this.time.advanceTimeBy(Duration.ofMillis(40));
		earlier.lineArrived(1);
		this.time.advanceTimeBy(Duration.ofSeconds(3));
		assertKind(FailureKind.TTFT_TIMEOUT);
		assertThat(this.failedAtMs.get()).as("the first-token budget from the start at 10 ms").isEqualTo(2010);
	}

	@Test
	void aCallOvertakenOnlyAfterItsOvertakenBudgetFailsWhenTheEvidenceArrives() {
		start(this.overtakable);
		CallWatchdog later = otherCall(this.overtakable);
		this.time.advanceTimeBy(Duration.ofMillis(500));
		assertThat(this.failure.get()).as("no evidence yet").isNull();
		later.lineArrived(1);
		this.time.advanceTimeBy(Duration.ofSeconds(3));
		assertKind(FailureKind.TTFT_TIMEOUT);
		assertThat(this.failedAtMs.get()).as("at the next check, every half overtaken budget").isBetween(500L, 650L);
	}

	private void assertKind(FailureKind kind) {
		assertThat(this.failure.get()).isInstanceOfSatisfying(OllamaCallException.class,
				e -> assertThat(e.kind()).isEqualTo(kind));
	}

}
