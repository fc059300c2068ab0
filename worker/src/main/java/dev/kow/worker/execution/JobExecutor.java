package dev.kow.worker.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

import dev.kow.avro.ErrorCategory;
import dev.kow.worker.config.OllamaProperties;
import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.hosts.SlotLease;
import dev.kow.worker.job.Job;
import dev.kow.worker.ollama.OllamaAnswer;
import dev.kow.worker.ollama.OllamaCall;
import dev.kow.worker.ollama.OllamaCallException;
import dev.kow.worker.ollama.OllamaCalls;
import dev.kow.worker.ollama.OllamaFailures;
import dev.kow.worker.ollama.OllamaRequests;
import dev.kow.worker.outcome.OutcomePublisher;
import dev.kow.worker.scheduling.JobDispatcher;
import dev.kow.worker.scheduling.Preemption;
import dev.kow.worker.scheduling.UndispatchableHandler;
import dev.kow.worker.telemetry.JobTracing;
import dev.kow.worker.timeouts.CallSample;
import dev.kow.worker.timeouts.TimeoutEstimator;
import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.tracing.Span;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * Runs one attempt of a job on a slot, then carries out what {@link AttemptClassifier}
 * decides:
 * <ul>
 * <li>{@link AttemptOutcome.Succeeded}: publish the result;</li>
 * <li>{@link AttemptOutcome.Failed} (400, 404 unknown model, prompt too long, retries
 * used up): FAILED result and dead letter;</li>
 * <li>{@link AttemptOutcome.Retry} (connection, 5xx, 503 busy, timeouts, stall, error
 * line, truncated stream): the slot is freed at once and the job re-enters the front of
 * its lane after an exponential backoff with full jitter (uniform between 0 and
 * Resilience4j's {@link IntervalFunction} exponential value), preferring another
 * host;</li>
 * <li>{@link AttemptOutcome.Expired}: the backoff would pass the deadline;</li>
 * <li>{@link AttemptOutcome.Preempted} ({@link Preemption}): back to the front of its
 * lane at once, not counted against {@code max-attempts};</li>
 * <li>{@link AttemptOutcome.Cancelled}: nothing (the partition's next owner runs
 * it).</li>
 * </ul>
 * The slot goes back to the {@link HostPool} with what the host should learn from the
 * attempt ({@link AttemptClassifier#forHost}). Every failed or preempted attempt is
 * recorded in the job (host, class, duration, chunks before it ended).
 */
public final class JobExecutor implements JobDispatcher, UndispatchableHandler {

	/**
	 * {@code error_category} of an attempt stopped so that a higher-priority job could
	 * have its slot.
	 */
	public static final String PREEMPTED = "PREEMPTED";

	private final OllamaCalls client;

	private final HostPool pool;

	private final OutcomePublisher outcomes;

	private final OllamaProperties properties;

	private final TimeoutEstimator timeouts;

	private final AttemptBudgets budgets;

	private final IntervalFunction backoff;

	private final RandomGenerator jitter;

	private final Scheduler timer;

	private final Clock clock;

	private final LongSupplier nanoClock;

	private final ExecutionMetrics metrics;

	private final Preemption preemption;

	private final JobTracing tracing;

	/**
	 * @param client runs the Ollama calls
	 * @param pool host pool
	 * @param outcomes where outcomes go
	 * @param properties retry settings
	 * @param timeouts call budgets
	 * @param timer for backoff delays
	 * @param clock wall clock
	 * @param nanoClock monotonic clock, ns
	 * @param jitter random source of the backoff jitter (thread-safe)
	 * @param metrics lane, host and retry meters
	 * @param preemption told which attempts run, so it can pick victims for high-priority
	 * jobs
	 * @param tracing the attempt spans and the trace headers of the Ollama call
	 */
	public JobExecutor(OllamaCalls client, HostPool pool, OutcomePublisher outcomes, OllamaProperties properties,
			TimeoutEstimator timeouts, Scheduler timer, Clock clock, LongSupplier nanoClock, RandomGenerator jitter,
			ExecutionMetrics metrics, Preemption preemption, JobTracing tracing) {
		this.client = client;
		this.pool = pool;
		this.outcomes = outcomes;
		this.properties = properties;
		this.timeouts = timeouts;
		this.budgets = new AttemptBudgets(timeouts);
		this.timer = timer;
		this.clock = clock;
		this.nanoClock = nanoClock;
		OllamaProperties.Retry retry = properties.retry();
		this.backoff = IntervalFunction.ofExponentialBackoff(retry.initialBackoff(), retry.multiplier(),
				retry.maxBackoff());
		this.jitter = jitter;
		this.metrics = metrics;
		this.preemption = preemption;
		this.tracing = tracing;
	}

	@Override
	public void dispatch(Job job, SlotLease lease, Requeue requeue) {
		OllamaHost host = lease.host();
		Instant now = this.clock.instant();
		job.dispatched(host.id(), now);
		this.metrics.dispatched(job.lane(), job.attempts() == 1, Duration.between(job.readAt(), now));
		long start = this.nanoClock.getAsLong();
		this.preemption.started(job, host);
		AtomicInteger lines = new AtomicInteger();
		OllamaCall request = OllamaRequests.toCall(job.request(), this.properties.keepAlive(),
				this.properties.truncatePrompts());
		Span span = this.tracing.attemptStarted(job.span(), job.request(), request.model(), host.id(), host.url(),
				job.attempts());
		Run attempt = new Run(job, lease, requeue, start, lines, span);
		Disposable call;
		try {
			call = this.client.call(host.id(), host.url(), request.withHeaders(this.tracing.headers(span)),
					this.budgets.of(job, host, now), () -> {
						if (lines.getAndIncrement() == 0) {
							this.preemption.streamed(job);
						}
					})
				.doFinally(signal -> this.preemption.ended(job))
				.doOnCancel(() -> attempt.ended(new CallResult.Stopped(job.takePreempted())))
				.subscribe(answer -> attempt.ended(new CallResult.Answered(answer)), error -> attempt
					.ended(new CallResult.Errored(OllamaFailures.fromTransport(host.id(), error, 0))));
		}
		catch (RuntimeException ex) {
			// a call that cannot even be built fails like any other: classified, retried,
			// dead-lettered
			this.preemption.ended(job);
			attempt.ended(new CallResult.Errored(OllamaFailures.fromTransport(host.id(), ex, 0)));
			return;
		}
		if (!job.running(call)) {
			call.dispose();
		}
	}

	@Override
	public void expired(Job job) {
		this.outcomes.expired(job, "deadline " + job.request().getDeadline() + " passed before dispatch");
	}

	@Override
	public void batchCancelled(Job job) {
		this.outcomes.cancelled(job, "batch " + job.request().getBatchId() + " was cancelled");
	}

	@Override
	public void unroutable(Job job) {
		this.outcomes.failed(job, ErrorCategory.UNKNOWN_MODEL,
				"no configured host serves model '" + job.request().getModel() + "'");
	}

	/** One attempt on one slot: ends exactly once, with the call's result. */
	private final class Run {

		private final Job job;

		private final SlotLease lease;

		private final Requeue requeue;

		private final long startNanos;

		private final AtomicInteger lines;

		private final AtomicBoolean ended = new AtomicBoolean();

		private final Span span;

		Run(Job job, SlotLease lease, Requeue requeue, long startNanos, AtomicInteger lines, Span span) {
			this.span = span;
			this.job = job;
			this.lease = lease;
			this.requeue = requeue;
			this.startNanos = startNanos;
			this.lines = lines;
		}

		void ended(CallResult result) {
			if (!this.ended.compareAndSet(false, true)) {
				return;
			}
			long took = JobExecutor.this.nanoClock.getAsLong() - this.startNanos;
			JobExecutor.this.pool.release(this.lease, AttemptClassifier.forHost(result, this.job.model()));
			if (result instanceof CallResult.Errored errored) {
				OllamaCallException failure = errored.failure();
				JobExecutor.this.metrics.failed(this.job, this.lease.host(), took, failure.kind());
				this.job
					.failed(record(failure.kind().name(), failure.getMessage(), took, failure.chunksBeforeFailure()));
			}
			Duration wait = result instanceof CallResult.Errored ? backoff() : Duration.ZERO;
			AttemptOutcome outcome = AttemptClassifier.classify(result,
					new AttemptClassifier.Context(this.job.attempts(), this.job.countedAttempts(),
							this.job.request().getDeadline(), JobExecutor.this.clock.instant(), wait,
							JobExecutor.this.properties.retry().maxAttempts(), this.job.cancelled()));
			endSpan(result, outcome);
			apply(outcome, result, took);
		}

		/**
		 * Ends the attempt's span with what the call gave, before the job's span ends.
		 */
		private void endSpan(CallResult result, AttemptOutcome outcome) {
			JobTracing tracing = JobExecutor.this.tracing;
			switch (result) {
				case CallResult.Answered answered -> {
					OllamaAnswer answer = answered.answer();
					tracing.attemptAnswered(this.span, answer.promptEvalCount(), answer.evalCount(),
							answer.doneReason(), answer.timeToFirstChunkNanos());
				}
				case CallResult.Errored errored -> tracing.attemptEnded(this.span,
						ExecutionMetrics.label(errored.failure().kind()), errored.failure());
				case CallResult.Stopped stopped -> tracing.attemptEnded(this.span,
						outcome instanceof AttemptOutcome.Preempted ? "preempted" : "cancelled", null);
			}
		}

		/**
		 * Full jitter: uniform between 0 and the exponential backoff of the attempts
		 * counted so far, ms.
		 */
		private Duration backoff() {
			long ceiling = JobExecutor.this.backoff.apply(Math.max(1, this.job.countedAttempts()));
			return Duration.ofMillis(JobExecutor.this.jitter.nextLong(ceiling + 1));
		}

		private void apply(AttemptOutcome outcome, CallResult result, long took) {
			switch (outcome) {
				case AttemptOutcome.Succeeded succeeded -> succeeded(succeeded.answer(), took);
				case AttemptOutcome.Retry retry -> {
					JobExecutor.this.metrics.retrying(retry.kind());
					this.job.running(JobExecutor.this.timer.schedule(() -> this.requeue.resubmit(this.job),
							retry.delay().toMillis(), TimeUnit.MILLISECONDS));
				}
				case AttemptOutcome.Failed failed ->
					JobExecutor.this.outcomes.failed(this.job, failed.category(), failed.message());
				case AttemptOutcome.Expired expired -> JobExecutor.this.outcomes.expired(this.job, expired.reason());
				case AttemptOutcome.Preempted preempted -> {
					JobExecutor.this.metrics.preempted(this.job.lane(), took);
					this.job.failed(record(PREEMPTED, "slot given to a higher-priority job", took, this.lines.get()));
					this.requeue.resubmit(this.job);
				}
				case AttemptOutcome.Cancelled cancelled -> {
					if (result instanceof CallResult.Stopped) {
						JobExecutor.this.metrics.cancelled(this.job.lane());
					}
				}
			}
		}

		private void succeeded(OllamaAnswer answer, long took) {
			String host = this.lease.host().id();
			JobExecutor.this.metrics.succeeded(this.job, this.lease.host(), took, answer);
			JobExecutor.this.timeouts.observe(host, this.job.model(),
					new CallSample(answer.promptEvalCount(), answer.promptEvalDurationNanos(), answer.evalCount(),
							answer.evalDurationNanos(), answer.loadDurationNanos(), answer.meanChunkGapNanos(),
							answer.maxChunkGapNanos()));
			JobExecutor.this.outcomes.succeeded(this.job, answer, host);
		}

		private dev.kow.avro.Attempt record(String category, String message, long tookNanos, int chunks) {
			return dev.kow.avro.Attempt.newBuilder()
				.setHost(this.lease.host().id())
				.setErrorCategory(category)
				.setMessage(message)
				.setDurationMs(Duration.ofNanos(tookNanos).toMillis())
				.setTokensBeforeFailure(chunks)
				.build();
		}

	}

}
