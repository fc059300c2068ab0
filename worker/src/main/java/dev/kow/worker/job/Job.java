package dev.kow.worker.job;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.kow.avro.Attempt;
import dev.kow.avro.InferenceRequest;
import dev.kow.worker.offsets.SourceRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import io.micrometer.tracing.Span;
import reactor.core.Disposable;
import org.jspecify.annotations.Nullable;

/**
 * One request on its way through the worker: the decoded request, the original record
 * (kept for the dead letter), its lane, and what happened so far. Attempts run one at a
 * time, so the mutable state is only written by one thread at a time; it is published
 * through the monitor.
 */
public final class Job {

	private final SourceRecord source;

	private final Lane lane;

	private final ConsumerRecord<byte[], byte[]> record;

	private final InferenceRequest request;

	private final String model;

	private final Instant readAt;

	private final Span span;

	private final List<Attempt> failedAttempts = new ArrayList<>();

	private int attempts;

	private @Nullable Instant firstDispatchAt;

	private long queuedSinceNanos;

	private @Nullable String lastHost;

	private @Nullable Disposable inFlight;

	private boolean cancelled;

	private int preemptions;

	private boolean preempting;

	/**
	 * @param source partition, offset and assignment epoch
	 * @param lane the priority lane (from the topic)
	 * @param record the raw record as read
	 * @param request the decoded request
	 * @param model the request's model name, normalised once at intake
	 * ({@code ModelNames})
	 * @param readAt when the worker read it
	 * @param queuedSinceNanos nano-clock time it entered its lane
	 */
	public Job(SourceRecord source, Lane lane, ConsumerRecord<byte[], byte[]> record, InferenceRequest request,
			String model, Instant readAt, long queuedSinceNanos) {
		this(source, lane, record, request, model, readAt, queuedSinceNanos, Span.NOOP);
	}

	/**
	 * @param source partition, offset and assignment epoch
	 * @param lane the priority lane (from the topic)
	 * @param record the raw record as read
	 * @param request the decoded request
	 * @param model the request's model name, normalised once at intake
	 * ({@code ModelNames})
	 * @param readAt when the worker read it
	 * @param queuedSinceNanos nano-clock time it entered its lane
	 * @param span the job's trace span, started at intake
	 */
	public Job(SourceRecord source, Lane lane, ConsumerRecord<byte[], byte[]> record, InferenceRequest request,
			String model, Instant readAt, long queuedSinceNanos, Span span) {
		this.span = span;
		this.source = source;
		this.lane = lane;
		this.record = record;
		this.request = request;
		this.model = model;
		this.readAt = readAt;
		this.queuedSinceNanos = queuedSinceNanos;
	}

	/**
	 * @return where the job came from
	 */
	public SourceRecord source() {
		return this.source;
	}

	/**
	 * @return its lane
	 */
	public Lane lane() {
		return this.lane;
	}

	/**
	 * @return the job's trace span: the parent of its attempts' spans, ended when its
	 * outcome is published or its partition is revoked
	 */
	public Span span() {
		return this.span;
	}

	/**
	 * @return the original record, bytes untouched
	 */
	public ConsumerRecord<byte[], byte[]> record() {
		return this.record;
	}

	/**
	 * @return the request
	 */
	public InferenceRequest request() {
		return this.request;
	}

	/**
	 * @return the normalised model name ({@code name:tag}), for routing, warm models and
	 * budgets
	 */
	public String model() {
		return this.model;
	}

	/**
	 * @return when the worker read the record
	 */
	public Instant readAt() {
		return this.readAt;
	}

	/**
	 * @return nano-clock time it (re)entered its lane, for aging
	 */
	public synchronized long queuedSinceNanos() {
		return this.queuedSinceNanos;
	}

	/**
	 * @param nanos nano-clock time it re-enters its lane after a backoff
	 */
	public synchronized void requeuedAt(long nanos) {
		this.queuedSinceNanos = nanos;
	}

	/**
	 * Records a dispatch to a host.
	 * @param host the host id
	 * @param now the time
	 */
	public synchronized void dispatched(String host, Instant now) {
		this.attempts++;
		this.preempting = false;
		this.lastHost = host;
		if (this.firstDispatchAt == null) {
			this.firstDispatchAt = now;
		}
	}

	/**
	 * @param attempt a failed attempt to report in the outcome
	 */
	public synchronized void failed(Attempt attempt) {
		this.failedAttempts.add(attempt);
	}

	/**
	 * @return attempts dispatched so far, preempted ones included
	 */
	public synchronized int attempts() {
		return this.attempts;
	}

	/**
	 * @return attempts that count against the retry budget: those dispatched, less the
	 * preempted ones
	 */
	public synchronized int countedAttempts() {
		return this.attempts - this.preemptions;
	}

	/**
	 * @return how often a higher-priority job took this job's slot
	 */
	public synchronized int preemptions() {
		return this.preemptions;
	}

	/**
	 * @return the failed attempts, oldest first
	 */
	public synchronized List<Attempt> failedAttempts() {
		return List.copyOf(this.failedAttempts);
	}

	/**
	 * @return the host of the last attempt, or null
	 */
	public synchronized @Nullable String lastHost() {
		return this.lastHost;
	}

	/**
	 * @return the first dispatch time, or null when never dispatched
	 */
	public synchronized @Nullable Instant firstDispatchAt() {
		return this.firstDispatchAt;
	}

	/**
	 * @param call the running call, disposed by {@link #cancel()}; null when none runs
	 * @return false when the job was cancelled meanwhile (the caller must dispose the
	 * call)
	 */
	public synchronized boolean running(@Nullable Disposable call) {
		this.inFlight = call;
		return !this.cancelled;
	}

	/**
	 * Stops the job: its partition was revoked. The running call, if any, is disposed.
	 */
	public void cancel() {
		Disposable call;
		synchronized (this) {
			this.cancelled = true;
			call = this.inFlight;
		}
		// the partition's next owner reads the record again and continues the trace
		this.span.tag("kow.outcome", "revoked").end();
		if (call != null) {
			call.dispose();
		}
	}

	/**
	 * Stops the running call so that a higher-priority job can have its slot; the job
	 * itself goes on (the dispatcher sees {@link #takePreempted()} and queues it again).
	 * @return false when there was no running call or the job was cancelled
	 */
	public boolean preempt() {
		Disposable call;
		synchronized (this) {
			if (this.cancelled || this.inFlight == null || this.inFlight.isDisposed()) {
				return false;
			}
			this.preempting = true;
			call = this.inFlight;
		}
		call.dispose();
		return true;
	}

	/**
	 * Tells the dispatcher, once, that the call it sees cancelled was preempted rather
	 * than revoked, and counts the preemption.
	 * @return true when {@link #preempt()} stopped the call and the job was not cancelled
	 * since
	 */
	public synchronized boolean takePreempted() {
		if (!this.preempting) {
			return false;
		}
		this.preempting = false;
		if (this.cancelled) {
			return false;
		}
		this.preemptions++;
		return true;
	}

	/**
	 * @return whether the job was cancelled
	 */
	public synchronized boolean cancelled() {
		return this.cancelled;
	}

	@Override
	public String toString() {
		return "Job[" + this.source + " id=" + this.request.getId() + " lane=" + this.lane.key() + "]";
	}

}
