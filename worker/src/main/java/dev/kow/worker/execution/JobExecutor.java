package dev.kow.worker.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.function.LongSupplier;

import dev.kow.avro.Attempt;
import dev.kow.avro.ErrorCategory;
import dev.kow.avro.InferenceRequest;
import dev.kow.avro.Mode;
import dev.kow.worker.config.OllamaProperties;
import dev.kow.worker.hosts.AdaptiveLimit;
import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.hosts.SlotLease;
import dev.kow.worker.job.Job;
import dev.kow.worker.ollama.CallBudget;
import dev.kow.worker.ollama.FailureKind;
import dev.kow.worker.ollama.ModelNames;
import dev.kow.worker.ollama.OllamaCallException;
import dev.kow.worker.ollama.OllamaClient;
import dev.kow.worker.ollama.OllamaRequests;
import dev.kow.worker.outcome.OutcomePublisher;
import dev.kow.worker.scheduling.JobDispatcher;
import dev.kow.worker.scheduling.LaneScheduler;
import dev.kow.worker.scheduling.Preemption;
import dev.kow.worker.scheduling.UndispatchableHandler;
import dev.kow.worker.timeouts.CallSample;
import dev.kow.worker.timeouts.TimeoutEstimator;
import io.github.resilience4j.core.IntervalFunction;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * Runs one attempt of a job on a slot and decides what follows:
 * <ul>
 * <li>success: publish the result;</li>
 * <li>terminal failure (400, 404 unknown model): FAILED result and dead letter at once;</li>
 * <li>retryable failure (connection, 5xx, 503 busy, timeouts, stall, error line, truncated stream):
 * the slot is freed at once and the job re-enters the front of its lane after an exponential backoff
 * with full jitter (uniform between 0 and Resilience4j's {@link IntervalFunction} exponential value),
 * preferring another host; after
 * {@code max-attempts}, or when the backoff would pass the deadline, it fails for good.</li>
 * </ul>
 * A preempted attempt ({@link Preemption}) goes back to the front of its lane at once and does not
 * count against {@code max-attempts}.
 * Every failed or preempted attempt is recorded in the job (host, class, duration, chunks before it
 * ended).
 */
public final class JobExecutor implements JobDispatcher, UndispatchableHandler {

	/** {@code error_category} of an attempt stopped so that a higher-priority job could have its slot. */
	public static final String PREEMPTED = "PREEMPTED";

	private final OllamaClient client;

	private final HostPool pool;

	private final OutcomePublisher outcomes;

	private final OllamaProperties properties;

	private final TimeoutEstimator timeouts;

	private final IntervalFunction backoff;

	private final RandomGenerator jitter;

	private final Scheduler timer;

	private final Clock clock;

	private final LongSupplier nanoClock;

	private final ExecutionMetrics metrics;

	private final Preemption preemption;

	private LaneScheduler scheduler;

	/**
	 * @param client Ollama client
	 * @param pool host pool
	 * @param outcomes where outcomes go
	 * @param properties retry settings
	 * @param timeouts call budgets
	 * @param timer for backoff delays
	 * @param clock wall clock
	 * @param nanoClock monotonic clock, ns
	 * @param jitter random source of the backoff jitter (thread-safe)
	 * @param metrics lane, host and retry meters
	 * @param preemption told which attempts run, so it can pick victims for high-priority jobs
	 */
	public JobExecutor(OllamaClient client, HostPool pool, OutcomePublisher outcomes, OllamaProperties properties,
			TimeoutEstimator timeouts, Scheduler timer, Clock clock, LongSupplier nanoClock, RandomGenerator jitter,
			ExecutionMetrics metrics, Preemption preemption) {
		this.client = client;
		this.pool = pool;
		this.outcomes = outcomes;
		this.properties = properties;
		this.timeouts = timeouts;
		this.timer = timer;
		this.clock = clock;
		this.nanoClock = nanoClock;
		OllamaProperties.Retry retry = properties.retry();
		this.backoff = IntervalFunction.ofExponentialBackoff(retry.initialBackoff(), retry.multiplier(),
				retry.maxBackoff());
		this.jitter = jitter;
		this.metrics = metrics;
		this.preemption = preemption;
	}

	/** @param scheduler where retried jobs go back to (set once, before the first dispatch) */
	public void retryInto(LaneScheduler scheduler) {
		this.scheduler = scheduler;
	}

	@Override
	public void dispatch(Job job, SlotLease lease) {
		OllamaHost host = lease.host();
		Instant now = this.clock.instant();
		job.dispatched(host.id(), now);
		this.metrics.dispatched(job.lane(), job.attempts() == 1, Duration.between(job.readAt(), now));
		long start = this.nanoClock.getAsLong();
		this.preemption.started(job, host);
		AtomicInteger lines = new AtomicInteger();
		Disposable call = this.client
			.call(host.id(), host.url(),
					OllamaRequests.toCall(job.request(), this.properties.keepAlive(), this.properties.truncatePrompts()),
					budget(job, host, now), () -> {
						if (lines.getAndIncrement() == 0) {
							this.preemption.streamed(job);
						}
					})
			.doFinally(signal -> this.preemption.ended(job))
			.doOnCancel(() -> {
				this.pool.release(lease, HostPool.Result.CANCELLED, null);
				if (job.takePreempted()) {
					preempted(job, host, this.nanoClock.getAsLong() - start, lines.get());
				}
				else {
					this.metrics.cancelled(job.lane());
				}
			})
			.subscribe(answer -> {
				this.metrics.succeeded(job.lane(), host.id(), this.nanoClock.getAsLong() - start, answer);
				host.limit().onSuccess(AdaptiveLimit.nanosPerToken(answer.evalCount(), answer.evalDurationNanos()));
				this.pool.release(lease, HostPool.Result.OK, null);
				host.markWarm(job.request().getModel());
				this.timeouts.observe(host.id(), ModelNames.normalize(job.request().getModel()),
						new CallSample(answer.promptEvalCount(), answer.promptEvalDurationNanos(), answer.evalCount(),
								answer.evalDurationNanos(), answer.loadDurationNanos(), answer.meanChunkGapNanos(),
								answer.maxChunkGapNanos()));
				this.outcomes.succeeded(job, answer, host.id());
			}, error -> {
				OllamaCallException failure = error instanceof OllamaCallException e ? e
						: new OllamaCallException(host.id(), FailureKind.PROTOCOL, 0, 0, error.toString());
				this.metrics.failed(job.lane(), host.id(), this.nanoClock.getAsLong() - start, failure.kind());
				if (failure.kind() == FailureKind.SERVER_BUSY) {
					host.limit().onBusy();
				}
				this.pool.release(lease, failure.kind().hostFault() ? HostPool.Result.HOST_FAILURE : HostPool.Result.OK,
						failure);
				failedAttempt(job, failure, Duration.ofNanos(this.nanoClock.getAsLong() - start));
			});
		if (!job.running(call)) {
			call.dispose();
		}
	}

	/**
	 * A higher-priority job took the slot: record the attempt and queue the job again at the front of
	 * its lane, without backoff and without using its retry budget.
	 */
	private void preempted(Job job, OllamaHost host, long tookNanos, int chunks) {
		this.metrics.preempted(job.lane(), tookNanos);
		job.failed(Attempt.newBuilder()
			.setHost(host.id())
			.setErrorCategory(PREEMPTED)
			.setMessage("slot given to a higher-priority job")
			.setDurationMs(Duration.ofNanos(tookNanos).toMillis())
			.setTokensBeforeFailure(chunks)
			.build());
		this.scheduler.resubmit(job);
	}

	@Override
	public void expired(Job job) {
		this.outcomes.expired(job, "deadline " + job.request().getDeadline() + " passed before dispatch");
	}

	@Override
	public void unroutable(Job job) {
		this.outcomes.failed(job, ErrorCategory.UNKNOWN_MODEL,
				"no configured host serves model '" + job.request().getModel() + "'");
	}

	/** The learned (or static) budget, with the total cut to what is left before the job's deadline. */
	private CallBudget budget(Job job, OllamaHost host, Instant now) {
		InferenceRequest request = job.request();
		String model = ModelNames.normalize(request.getModel());
		Integer numPredict = request.getOptions() == null ? null : request.getOptions().getNumPredict();
		CallBudget learned = this.timeouts.budget(host.id(), model, promptChars(request), numPredict, host.isWarm(model));
		Duration total = learned.total();
		Instant deadline = request.getDeadline();
		if (deadline != null) {
			Duration left = Duration.between(now, deadline);
			if (left.compareTo(total) < 0) {
				total = left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left;
			}
		}
		if (request.getMode() == Mode.EMBED) {
			return new CallBudget(total, total, total);
		}
		Duration firstToken = min(learned.timeToFirstToken(), total);
		return new CallBudget(firstToken, learned.streamStall(), total, min(learned.overtakenFirstToken(), firstToken));
	}

	private static long promptChars(InferenceRequest request) {
		long chars = length(request.getPrompt()) + length(request.getSystem());
		for (var message : request.getMessages()) {
			chars += length(message.getContent());
		}
		for (String input : request.getInputs()) {
			chars += length(input);
		}
		return chars;
	}

	private static long length(String text) {
		return text == null ? 0 : text.length();
	}

	private void failedAttempt(Job job, OllamaCallException failure, Duration took) {
		job.failed(Attempt.newBuilder()
			.setHost(failure.host())
			.setErrorCategory(failure.kind().name())
			.setMessage(failure.getMessage())
			.setDurationMs(took.toMillis())
			.setTokensBeforeFailure(failure.chunksBeforeFailure())
			.build());
		if (job.cancelled()) {
			return;
		}
		if (!failure.kind().retryable()) {
			this.outcomes.failed(job, terminalCategory(failure), failure.getMessage());
			return;
		}
		Instant deadline = job.request().getDeadline();
		Duration wait = Duration.ofMillis(this.jitter.nextLong(this.backoff.apply(job.countedAttempts()) + 1));
		if (deadline != null && !this.clock.instant().plus(wait).isBefore(deadline)) {
			this.outcomes.expired(job, "deadline " + deadline + " passes before attempt " + (job.attempts() + 1)
					+ "; last failure: " + failure.getMessage());
			return;
		}
		if (job.countedAttempts() >= this.properties.retry().maxAttempts()) {
			this.outcomes.failed(job, ErrorCategory.RETRIES_EXHAUSTED,
					job.countedAttempts() + " attempts failed; last: " + failure.getMessage());
			return;
		}
		this.metrics.retrying(failure.kind());
		job.running(this.timer.schedule(() -> this.scheduler.resubmit(job), wait.toMillis(), TimeUnit.MILLISECONDS));
	}

	private static ErrorCategory terminalCategory(OllamaCallException failure) {
		if (failure.kind() == FailureKind.MODEL_NOT_FOUND) {
			return ErrorCategory.UNKNOWN_MODEL;
		}
		String message = failure.getMessage().toLowerCase(java.util.Locale.ROOT);
		return message.contains("context length") || message.contains("context size") || message.contains("too long")
				? ErrorCategory.PROMPT_TOO_LONG : ErrorCategory.BAD_REQUEST;
	}

	private static Duration min(Duration a, Duration b) {
		return a.compareTo(b) <= 0 ? a : b;
	}
}
