package dev.kow.worker.ollama;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * Enforces the three budgets of one call with a single timer task instead of one per
 * streamed line.
 *
 * <p>
 * A generation of n tokens streams n lines; re-arming a timer on every line (what
 * Reactor's per-item {@code timeout} does) costs a schedule and a cancel per token. Here
 * a line only stores its arrival time; the one pending task, when it runs, computes the
 * call's current deadline: {@code min(start + total, start + timeToFirstToken)} before
 * the first line and {@code min(start + total, lastLine + streamStall)} after it. If that
 * deadline has passed the call fails; otherwise the task re-arms itself for the deadline
 * (before the first line: for at most one stall budget ahead, so the first line, which
 * brings the deadline forward, needs no re-arming). A call shorter than one stall budget
 * schedules one task; a stall is reported exactly one stall budget after the last line.
 *
 * <p>
 * A call still waiting for its first token fails earlier, at
 * {@link CallBudget#overtakenFirstToken()}, once a call sent after it to the same runner
 * (model and host) has had its first line: a runner takes its requests first come, first
 * served, so being overtaken means this request is stuck rather than queued, loading or
 * prefilling (see {@link RunnerActivity}). Past that budget and until the first line, the
 * task runs every half of it, looking for such evidence.
 *
 * <p>
 * Thread-safe (one monitor, uncontended but for the rare moment the task runs): lines
 * arrive on an event loop, the task runs on the timer.
 */
final class CallWatchdog {

	private final String host;

	private final CallBudget budget;

	private final RunnerActivity runner;

	private final Scheduler timer;

	private final LongSupplier nanoClock;

	private final long startNanos;

	private final Sinks.One<OllamaAnswer> expiry = Sinks.one();

	private long lastLineNanos;

	private long callNumber;

	private int lines;

	private int chunks;

	private @Nullable Disposable pending;

	private boolean stopped;

	private @Nullable Executor eventLoop;

	/**
	 * @param host host id, for the errors
	 * @param budget the budgets
	 * @param runner the activity of the runner (model and host) the call goes to, shared
	 * by its calls
	 * @param timer where the task runs
	 * @param nanoClock monotonic clock, ns
	 */
	CallWatchdog(String host, CallBudget budget, RunnerActivity runner, Scheduler timer, LongSupplier nanoClock) {
		this.host = host;
		this.budget = budget;
		this.runner = runner;
		this.timer = timer;
		this.nanoClock = nanoClock;
		this.startNanos = nanoClock.getAsLong();
	}

	/** Arms the timer; call once, when the request is sent. */
	synchronized void start() {
		this.callNumber = this.runner.callSent();
		arm(this.startNanos, nextCheck(this.startNanos));
	}

	/**
	 * Names the event loop of the call's connection. From then on an expiry seen by the
	 * timer is only final once that loop confirms it: the loop reads the socket before it
	 * runs queued tasks, so lines that arrived while the worker was paused (a GC pause, a
	 * busy loop) count before the verdict, and a pause on our side is not taken for a
	 * stall at the host.
	 * @param loop the connection's event loop
	 */
	synchronized void confirmOn(Executor loop) {
		this.eventLoop = loop;
	}

	/**
	 * Records a line. It costs no timer work: the pending task is never due later than
	 * one stall budget after the last line it knows of, and re-arms itself for the exact
	 * deadline when it runs. The first line is also reported to the runner, as evidence
	 * for the calls sent before this one.
	 * @param chunksSoFar text chunks received so far, reported with a stall
	 */
	synchronized void lineArrived(int chunksSoFar) {
		this.lastLineNanos = this.nanoClock.getAsLong();
		this.chunks = chunksSoFar;
		if (this.lines++ == 0) {
			this.runner.firstLineArrived(this.callNumber);
		}
	}

	/** Cancels the pending task; the call ended. */
	synchronized void stop() {
		this.stopped = true;
		if (this.pending != null) {
			this.pending.dispose();
		}
	}

	/**
	 * @return errors with an {@link OllamaCallException}
	 * ({@link FailureKind#TTFT_TIMEOUT}, also when overtaken,
	 * {@link FailureKind#STREAM_STALL} or {@link FailureKind#TOTAL_TIMEOUT}) when a
	 * budget runs out; never completes otherwise
	 */
	Mono<OllamaAnswer> expired() {
		return this.expiry.asMono();
	}

	/**
	 * When the task should run next: the deadline once a line arrived; before that, no
	 * later than one stall budget from now, so the first line (which brings the deadline
	 * forward from the first-token budget) is seen in time without re-arming on it, and
	 * no later than the end of the overtaken budget (past it, half that budget from now).
	 */
	private long nextCheck(long now) {
		long deadline = deadlineNanos();
		if (this.lines > 0) {
			return deadline;
		}
		long next = Math.min(deadline, now + this.budget.streamStall().toNanos());
		if (!watchesOvertaking()) {
			return next;
		}
		long overtaken = this.budget.overtakenFirstToken().toNanos();
		long overtakenDue = this.startNanos + overtaken;
		return Math.min(next, now < overtakenDue ? overtakenDue : now + Math.max(1, overtaken / 2));
	}

	private boolean watchesOvertaking() {
		return this.budget.overtakenFirstToken().compareTo(this.budget.timeToFirstToken()) < 0;
	}

	/**
	 * Whether this call, without a first line after its overtaken budget, was overtaken
	 * by a call sent later to the same runner. Caller holds the monitor.
	 */
	private boolean overtaken(long now) {
		return this.lines == 0 && watchesOvertaking()
				&& now - this.startNanos >= this.budget.overtakenFirstToken().toNanos()
				&& this.runner.firstLineAfter(this.callNumber);
	}

	private long deadlineNanos() {
		long total = this.startNanos + this.budget.total().toNanos();
		long step = this.lines == 0 ? this.startNanos + this.budget.timeToFirstToken().toNanos()
				: this.lastLineNanos + this.budget.streamStall().toNanos();
		return Math.min(total, step);
	}

	/** Caller holds the monitor. */
	private void arm(long now, long due) {
		if (this.stopped) {
			return;
		}
		this.pending = this.timer.schedule(this::check, Math.max(due - now, 0), TimeUnit.NANOSECONDS);
	}

	/**
	 * Runs on the timer: re-arms while time is left, else asks the event loop (if known)
	 * to confirm.
	 */
	private void check() {
		Executor loop;
		synchronized (this) {
			if (!due()) {
				return;
			}
			loop = this.eventLoop;
		}
		if (loop == null) {
			expire();
			return;
		}
		try {
			loop.execute(this::expire);
		}
		catch (RejectedExecutionException shuttingDown) {
			expire();
		}
	}

	/** Fails the call unless a line arrived since the deadline was checked. */
	private void expire() {
		OllamaCallException failure;
		synchronized (this) {
			if (!due()) {
				return;
			}
			this.stopped = true;
			failure = failure(this.nanoClock.getAsLong());
		}
		this.expiry.tryEmitError(failure);
	}

	/**
	 * @return whether the deadline has passed; re-arms while time is left. Caller holds
	 * the monitor.
	 */
	private boolean due() {
		if (this.stopped) {
			return false;
		}
		long now = this.nanoClock.getAsLong();
		if (now < deadlineNanos() && !overtaken(now)) {
			arm(now, nextCheck(now));
			return false;
		}
		return true;
	}

	private OllamaCallException failure(long now) {
		if (now - this.startNanos >= this.budget.total().toNanos()) {
			return new OllamaCallException(this.host, FailureKind.TOTAL_TIMEOUT, 0, this.chunks,
					"no complete answer within " + this.budget.total());
		}
		if (this.lines == 0) {
			return new OllamaCallException(this.host, FailureKind.TTFT_TIMEOUT, 0, 0,
					now - this.startNanos < this.budget.timeToFirstToken().toNanos()
							? "no first token within " + this.budget.overtakenFirstToken()
									+ " while a call sent later to the model on this host already had its first"
							: "no first token within " + this.budget.timeToFirstToken());
		}
		return new OllamaCallException(this.host, FailureKind.STREAM_STALL, 200, this.chunks,
				"no chunk for " + this.budget.streamStall() + " after " + this.chunks + " chunks");
	}

}
