package dev.kow.worker.execution;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.job.Job;
import dev.kow.worker.ollama.FailureKind;
import dev.kow.worker.ollama.OllamaAnswer;
import dev.kow.worker.job.Lane;
import dev.kow.worker.telemetry.Buckets;
import dev.kow.worker.telemetry.GenAi;
import dev.kow.worker.telemetry.GenAiMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * What the execution of jobs shows, for Prometheus. Histograms have explicit boundaries
 * ({@link Buckets}); label values are lower case.
 * <ul>
 * <li>{@code kow.lane.in.flight{lane}}: jobs of the lane on a host slot now;</li>
 * <li>{@code kow.lane.queue.wait{lane}} (timer, 10 ms to 24 h): from reading a record to
 * its first dispatch;</li>
 * <li>{@code kow.host.ttft{host}} (timer, 25 ms to 10 min): time to first token of
 * successful calls, as the worker saw it (request sent to first streamed chunk);</li>
 * <li>{@code kow.host.call.duration{host,outcome}} (timer, 50 ms to the total ceiling, at
 * least 30 min): every attempt, {@code outcome} = {@code succeeded} or the failure class
 * ({@code stream_stall}, {@code server_busy}, ...);</li>
 * <li>{@code kow.host.tokens.per.second{host}} (summary): decode speed of successful
 * calls, from Ollama's {@code eval_count} / {@code eval_duration};</li>
 * <li>{@code kow.prompt.tokens{lane,host,model}} and
 * {@code kow.generated.tokens{lane,host,model}} (counters, tokens): Ollama's
 * {@code prompt_eval_count} and {@code eval_count} of successful calls, {@code model}
 * normalised ({@code name:tag});</li>
 * <li>{@code kow.retries{reason}} (counter): attempts that will be retried, by failure
 * class;</li>
 * <li>{@code kow.preemptions{lane}} (counter): attempts of the lane stopped so that a
 * higher-priority job could have their slot;</li>
 * <li>{@code kow.preempted.slot.seconds{lane}} (counter): slot time those attempts had
 * used, s;</li>
 * <li>the GenAI client metrics of {@link GenAiMetrics}.</li>
 * </ul>
 * Thread-safe.
 */
public final class ExecutionMetrics {

	private final MeterRegistry registry;

	private final Map<Lane, AtomicInteger> inFlight = new EnumMap<>(Lane.class);

	private final Map<Lane, Timer> queueWait = new EnumMap<>(Lane.class);

	/**
	 * The meters of each host, built on its first call, so a call looks up one map entry.
	 */
	private final Map<String, HostMeters> hosts = new ConcurrentHashMap<>();

	private final Map<FailureKind, Counter> retries = new ConcurrentHashMap<>();

	private final Map<Lane, Counter> preemptions = new EnumMap<>(Lane.class);

	private final Map<Lane, Counter> preemptedSlotSeconds = new EnumMap<>(Lane.class);

	private final GenAiMetrics genAi;

	private final Duration[] callBounds;

	/**
	 * @param registry where the meters go
	 * @param callCeiling the longest a call may take
	 * ({@code worker.timeouts.total-ceiling}), the last bound of the call histograms
	 */
	public ExecutionMetrics(MeterRegistry registry, Duration callCeiling) {
		this.registry = registry;
		this.genAi = new GenAiMetrics(registry, callCeiling);
		this.callBounds = Buckets.call(callCeiling);
		for (Lane lane : Lane.values()) {
			AtomicInteger count = new AtomicInteger();
			this.inFlight.put(lane, count);
			Gauge.builder("kow.lane.in.flight", count, AtomicInteger::get)
				.tag("lane", lane.key())
				.description("Jobs of the lane on a host slot now")
				.register(registry);
			this.queueWait.put(lane,
					Timer.builder("kow.lane.queue.wait")
						.tag("lane", lane.key())
						.description("From reading a record to its first dispatch")
						.serviceLevelObjectives(Buckets.waits())
						.register(registry));
			this.preemptions.put(lane,
					Counter.builder("kow.preemptions")
						.tag("lane", lane.key())
						.description("Attempts stopped so that a higher-priority job could have their slot")
						.register(registry));
			this.preemptedSlotSeconds.put(lane,
					Counter.builder("kow.preempted.slot.seconds")
						.tag("lane", lane.key())
						.baseUnit("seconds")
						.description("Slot time used by preempted attempts")
						.register(registry));
		}
	}

	/**
	 * A job got a slot.
	 * @param lane its lane
	 * @param firstAttempt whether this is its first attempt
	 * @param waited since the record was read (recorded for the first attempt only)
	 */
	void dispatched(Lane lane, boolean firstAttempt, Duration waited) {
		of(this.inFlight, lane).incrementAndGet();
		if (firstAttempt) {
			of(this.queueWait, lane).record(waited);
		}
	}

	/**
	 * A successful attempt ended.
	 * @param job the job
	 * @param host the host that answered
	 * @param took the attempt, ns
	 * @param answer Ollama's answer
	 */
	void succeeded(Job job, OllamaHost host, long took, OllamaAnswer answer) {
		of(this.inFlight, job.lane()).decrementAndGet();
		HostMeters meters = host(host.id());
		meters.ok().record(Duration.ofNanos(took));
		if (answer.timeToFirstChunkNanos() > 0) {
			meters.ttft().record(Duration.ofNanos(answer.timeToFirstChunkNanos()));
		}
		if (answer.evalCount() > 0 && answer.evalDurationNanos() > 0) {
			meters.speed().record(answer.evalCount() * 1e9 / answer.evalDurationNanos());
		}
		Tags tags = Tags.of("lane", job.lane().key(), "host", host.id(), "model", job.model());
		Counter.builder("kow.prompt.tokens")
			.tags(tags)
			.description("Prompt tokens of successful calls, from Ollama's prompt_eval_count")
			.register(this.registry)
			.increment(answer.promptEvalCount());
		Counter.builder("kow.generated.tokens")
			.tags(tags)
			.description("Generated tokens of successful calls, from Ollama's eval_count")
			.register(this.registry)
			.increment(answer.evalCount());
		this.genAi.succeeded(operation(job), job.request().getModel(), host.url(), took, answer.timeToFirstChunkNanos(),
				answer.promptEvalCount(), answer.evalCount());
	}

	/**
	 * A failed attempt ended.
	 * @param job the job
	 * @param host the host of the attempt
	 * @param took the attempt, ns
	 * @param kind the failure class
	 */
	void failed(Job job, OllamaHost host, long took, FailureKind kind) {
		of(this.inFlight, job.lane()).decrementAndGet();
		host(host.id()).failures()
			.computeIfAbsent(kind, failure -> callDuration(host.id(), label(failure)))
			.record(Duration.ofNanos(took));
		this.genAi.failed(operation(job), job.request().getModel(), host.url(), took, label(kind));
	}

	/**
	 * @param kind a failure class
	 * @return its label value: the name in lower case ({@code stream_stall})
	 */
	static String label(Enum<?> kind) {
		return kind.name().toLowerCase(Locale.ROOT);
	}

	private static String operation(Job job) {
		return GenAi.operation(job.request().getMode());
	}

	/**
	 * @param lane the lane of a job whose call was cancelled (its partition was revoked)
	 */
	void cancelled(Lane lane) {
		of(this.inFlight, lane).decrementAndGet();
	}

	/**
	 * An attempt was preempted.
	 * @param lane its lane
	 * @param took how long it had run, ns
	 */
	void preempted(Lane lane, long took) {
		of(this.inFlight, lane).decrementAndGet();
		of(this.preemptions, lane).increment();
		of(this.preemptedSlotSeconds, lane).increment(took / 1e9);
	}

	/**
	 * @param reason the failure class of an attempt that will be retried
	 */
	void retrying(FailureKind reason) {
		this.retries
			.computeIfAbsent(reason,
					kind -> Counter.builder("kow.retries")
						.tag("reason", label(kind))
						.description("Attempts that will be retried")
						.register(this.registry))
			.increment();
	}

	private HostMeters host(String host) {
		return this.hosts.computeIfAbsent(host, this::hostMeters);
	}

	private HostMeters hostMeters(String id) {
		Timer ttft = Timer.builder("kow.host.ttft")
			.tag("host", id)
			.description("Time to first token of successful calls: request sent to first streamed chunk")
			.serviceLevelObjectives(Buckets.firstToken())
			.register(this.registry);
		DistributionSummary speed = DistributionSummary.builder("kow.host.tokens.per.second")
			.tag("host", id)
			.description("Decode speed, from Ollama's eval_count / eval_duration")
			.register(this.registry);
		return new HostMeters(callDuration(id, "succeeded"), ttft, speed, new ConcurrentHashMap<>());
	}

	private Timer callDuration(String host, String outcome) {
		return Timer.builder("kow.host.call.duration")
			.tag("host", host)
			.tag("outcome", outcome)
			.description("Every attempt on a host, by outcome (succeeded or the failure class)")
			.serviceLevelObjectives(this.callBounds)
			.register(this.registry);
	}

	/** One host's meters; failure timers by class, created on first use. */
	private record HostMeters(Timer ok, Timer ttft, DistributionSummary speed, Map<FailureKind, Timer> failures) {
	}

	/** Every lane has its meters from construction on. */
	private static <T> T of(Map<Lane, T> meters, Lane lane) {
		return Objects.requireNonNull(meters.get(lane), lane::key);
	}

}
