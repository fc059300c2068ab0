package dev.kow.worker.ollama;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Enforces the three budgets of one call with a single timer task instead of one per streamed line.
 *
 * <p>A generation of n tokens streams n lines; re-arming a timer on every line (what Reactor's
 * per-item {@code timeout} does) costs a schedule and a cancel per token. Here a line only stores its
 * arrival time; the one pending task, when it fires, computes the call's current deadline:
 * {@code min(start + total, start + timeToFirstToken)} before the first line and
 * {@code min(start + total, lastLine + streamStall)} after it. If that deadline has passed the call
 * fails; otherwise the task re-arms itself for the time left. So a healthy call schedules about
 * {@code elapsed / streamStall + 1} tasks, and a stall is still reported within one stall budget of
 * the last line.
 *
 * <p>Thread-safe: lines arrive on an event loop, the task runs on the timer.
 */
final class CallWatchdog {

	private final String host;

	private final CallBudget budget;

	private final Scheduler timer;

	private final LongSupplier nanoClock;

	private final long startNanos;

	private final Sinks.One<OllamaAnswer> expiry = Sinks.one();

	private volatile long lastLineNanos;

	private volatile int lines;

	private volatile int chunks;

	private volatile Disposable pending;

	private volatile boolean stopped;

	/**
	 * @param host host id, for the errors
	 * @param budget the budgets
	 * @param timer where the task runs
	 * @param nanoClock monotonic clock, ns
	 */
	CallWatchdog(String host, CallBudget budget, Scheduler timer, LongSupplier nanoClock) {
		this.host = host;
		this.budget = budget;
		this.timer = timer;
		this.nanoClock = nanoClock;
		this.startNanos = nanoClock.getAsLong();
	}

	/** Arms the timer; call once, when the request is sent. */
	void start() {
		arm(deadlineNanos() - this.startNanos);
	}

	/**
	 * Records a line.
	 * @param chunksSoFar text chunks received so far, reported with a stall
	 */
	void lineArrived(int chunksSoFar) {
		this.lastLineNanos = this.nanoClock.getAsLong();
		this.chunks = chunksSoFar;
		this.lines++; // only the event loop of the call writes it
	}

	/** Cancels the pending task; the call ended. */
	void stop() {
		this.stopped = true;
		Disposable task = this.pending;
		if (task != null) {
			task.dispose();
		}
	}

	/**
	 * @return errors with an {@link OllamaCallException} ({@link FailureKind#TTFT_TIMEOUT},
	 *         {@link FailureKind#STREAM_STALL} or {@link FailureKind#TOTAL_TIMEOUT}) when a budget runs out;
	 *         never completes otherwise
	 */
	Mono<OllamaAnswer> expired() {
		return this.expiry.asMono();
	}

	private long deadlineNanos() {
		long total = this.startNanos + this.budget.total().toNanos();
		long step = this.lines == 0 ? this.startNanos + this.budget.timeToFirstToken().toNanos()
				: this.lastLineNanos + this.budget.streamStall().toNanos();
		return Math.min(total, step);
	}

	private void arm(long delayNanos) {
		if (this.stopped) {
			return;
		}
		this.pending = this.timer.schedule(this::check, Math.max(delayNanos, 0), TimeUnit.NANOSECONDS);
		if (this.stopped) {
			this.pending.dispose();
		}
	}

	private void check() {
		if (this.stopped) {
			return;
		}
		long now = this.nanoClock.getAsLong();
		long deadline = deadlineNanos();
		if (now < deadline) {
			arm(deadline - now);
			return;
		}
		this.expiry.tryEmitError(failure(now));
	}

	private OllamaCallException failure(long now) {
		if (now - this.startNanos >= this.budget.total().toNanos()) {
			return new OllamaCallException(this.host, FailureKind.TOTAL_TIMEOUT, 0, this.chunks,
					"no complete answer within " + this.budget.total());
		}
		if (this.lines == 0) {
			return new OllamaCallException(this.host, FailureKind.TTFT_TIMEOUT, 0, 0,
					"no first token within " + this.budget.timeToFirstToken());
		}
		return new OllamaCallException(this.host, FailureKind.STREAM_STALL, 200, this.chunks, "no chunk for "
				+ this.budget.streamStall() + " after " + this.chunks + " chunks");
	}
}
