package dev.kow.worker.outcome;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.kow.avro.ChatMessage;
import dev.kow.avro.ErrorCategory;
import dev.kow.avro.ErrorInfo;
import dev.kow.avro.InferenceRequest;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Mode;
import dev.kow.avro.Status;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.worker.job.Job;
import dev.kow.worker.offsets.CompletionSink;
import dev.kow.worker.offsets.SourceRecord;
import dev.kow.worker.telemetry.JobTracing;
import io.micrometer.tracing.Span;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;

import dev.kow.worker.ollama.OllamaAnswer;
import org.jspecify.annotations.Nullable;

/**
 * Publishes every outcome and only then lets its offset be committed: a result on the
 * results topic and, for failures, a dead letter holding the original bytes. The record's
 * {@link CompletionSink} is told once the broker acknowledged every record of the outcome
 * ({@code acks=all}); a send that fails is retried every {@code retryDelay} until it
 * succeeds, so an outcome is never dropped and an offset never committed without one.
 */
public final class OutcomePublisher {

	private static final Logger log = LoggerFactory.getLogger(OutcomePublisher.class);

	private final Producer<byte[], byte[]> producer;

	private final KafkaAvroSerializer resultSerializer;

	private final String resultsTopic;

	private final String deadLetterTopic;

	private final String groupId;

	private final String workerId;

	private final CompletionSink completions;

	private final Clock clock;

	private final Scheduler timer;

	private final OutcomeMetrics metrics;

	private final Duration retryDelay;

	private final JobTracing tracing;

	/**
	 * @param producer byte-array producer, idempotent with {@code acks=all}
	 * @param resultSerializer Confluent-format serializer for results
	 * @param resultsTopic results topic
	 * @param deadLetterTopic dead-letter topic
	 * @param groupId consumer group, written in dead letters
	 * @param workerId this worker, written in results and dead letters
	 * @param completions told when an outcome is acknowledged
	 * @param clock wall clock
	 * @param timer for publish retries
	 * @param metrics outcome counters
	 * @param retryDelay wait before a failed send is tried again
	 * ({@code worker.outcome.send-retry-delay})
	 * @param tracing ends each job's span and puts its trace context on the records
	 */
	public OutcomePublisher(Producer<byte[], byte[]> producer, KafkaAvroSerializer resultSerializer,
			String resultsTopic, String deadLetterTopic, String groupId, String workerId, CompletionSink completions,
			Clock clock, Scheduler timer, OutcomeMetrics metrics, Duration retryDelay, JobTracing tracing) {
		this.retryDelay = retryDelay;
		this.tracing = tracing;
		this.producer = producer;
		this.resultSerializer = resultSerializer;
		this.resultsTopic = resultsTopic;
		this.deadLetterTopic = deadLetterTopic;
		this.groupId = groupId;
		this.workerId = workerId;
		this.completions = completions;
		this.clock = clock;
		this.timer = timer;
		this.metrics = metrics;
	}

	/**
	 * @param job the job
	 * @param answer Ollama's answer
	 * @param host host id that answered
	 */
	public void succeeded(Job job, OllamaAnswer answer, String host) {
		InferenceResult.Builder result = base(job, Status.SUCCEEDED).setHost(host)
			.setDoneReason(answer.doneReason())
			.setThinking(answer.thinking())
			.setPromptEvalCount(answer.promptEvalCount() == 0 ? null : answer.promptEvalCount())
			.setEvalCount(answer.evalCount() == 0 ? null : answer.evalCount())
			.setTotalDurationNs(answer.totalDurationNanos() == 0 ? null : answer.totalDurationNanos())
			.setLoadDurationNs(answer.loadDurationNanos() == 0 ? null : answer.loadDurationNanos())
			.setPromptEvalDurationNs(answer.promptEvalDurationNanos() == 0 ? null : answer.promptEvalDurationNanos())
			.setEvalDurationNs(answer.evalDurationNanos() == 0 ? null : answer.evalDurationNanos());
		switch (job.request().getMode()) {
			case GENERATE -> result.setResponse(answer.text());
			case CHAT ->
				result.setMessage(ChatMessage.newBuilder().setRole("assistant").setContent(answer.text()).build());
			case EMBED -> {
				List<List<Float>> vectors = new ArrayList<>(answer.embeddings().size());
				for (float[] vector : answer.embeddings()) {
					List<Float> values = new ArrayList<>(vector.length);
					for (float f : vector) {
						values.add(f);
					}
					vectors.add(values);
				}
				result.setEmbeddings(vectors);
			}
		}
		publish(job.source(), List.of(resultRecord(job, result.build())));
		ended(job, Status.SUCCEEDED, null);
	}

	/**
	 * A request that failed for good: a FAILED result and a dead letter.
	 * @param job the job
	 * @param category the reason
	 * @param message detail (never prompt text)
	 */
	public void failed(Job job, ErrorCategory category, String message) {
		finalFailure(job, Status.FAILED, category, message);
	}

	/**
	 * A request whose deadline passed: an EXPIRED result and a dead letter.
	 * @param job the job
	 * @param message detail
	 */
	public void expired(Job job, String message) {
		finalFailure(job, Status.EXPIRED, ErrorCategory.DEADLINE_EXPIRED, message);
	}

	/**
	 * A request of a cancelled batch: a FAILED result with category CANCELLED and no dead
	 * letter (nothing went wrong with it).
	 * @param job the job
	 * @param message detail
	 */
	public void cancelled(Job job, String message) {
		InferenceResult result = base(job, Status.FAILED).setHost(job.lastHost())
			.setError(ErrorInfo.newBuilder().setCategory(ErrorCategory.CANCELLED).setMessage(message).build())
			.build();
		publish(job.source(), List.of(resultRecord(job, result)));
		this.tracing.jobEnded(job.span(), "cancelled", "cancelled");
		this.metrics.result(job.lane(), Status.FAILED, endToEnd(job));
	}

	/**
	 * A record that cannot be read as a request: a dead letter only (there is no request
	 * id to answer).
	 * @param record the raw record
	 * @param source its coordinates
	 * @param category MALFORMED_RECORD, UNKNOWN_SCHEMA_ID or SCHEMA_MISMATCH
	 * @param message detail
	 */
	public void unreadable(ConsumerRecord<byte[], byte[]> record, SourceRecord source, ErrorCategory category,
			String message) {
		log.warn("dead-lettering unreadable record {}: {} {}", source, category, message);
		publish(source, List.of(deadLetter(record, category, message, 0, null, Span.NOOP)));
		this.metrics.deadLetter(category);
	}

	private void finalFailure(Job job, Status status, ErrorCategory category, String message) {
		try (var scope = this.tracing.inScope(job.span())) {
			log.warn("dead-lettering {} after {} attempt(s): {} {}", job, job.attempts(), category, message);
		}
		InferenceResult result = base(job, status).setHost(job.lastHost())
			.setError(ErrorInfo.newBuilder().setCategory(category).setMessage(message).build())
			.build();
		publish(job.source(), List.of(resultRecord(job, result),
				deadLetter(job.record(), category, message, job.attempts(), job.lastHost(), job.span())));
		ended(job, status, category);
		this.metrics.deadLetter(category);
	}

	private InferenceResult.Builder base(Job job, Status status) {
		InferenceRequest request = job.request();
		Instant now = this.clock.instant();
		Instant dispatchedAt = job.firstDispatchAt();
		return InferenceResult.newBuilder()
			.setRequestId(request.getId())
			.setStatus(status)
			.setModel(request.getModel())
			.setMode(request.getMode() == null ? Mode.GENERATE : request.getMode())
			.setSourceTopic(job.source().partition().topic())
			.setAttempts(job.attempts())
			.setAttemptLog(job.failedAttempts())
			.setQueueWaitMs(Duration.between(job.readAt(), dispatchedAt != null ? dispatchedAt : now).toMillis())
			.setRequestCreatedAt(request.getCreatedAt())
			.setStartedAt(job.readAt())
			.setFinishedAt(now)
			.setWorkerId(this.workerId)
			.setMetadata(request.getMetadata())
			.setBatchId(request.getBatchId())
			.setCustomId(request.getCustomId());
	}

	private void ended(Job job, Status status, @Nullable ErrorCategory category) {
		String outcome = status.name().toLowerCase(Locale.ROOT);
		this.tracing.jobEnded(job.span(), outcome, category == null ? null : category.name().toLowerCase(Locale.ROOT));
		this.metrics.result(job.lane(), status, endToEnd(job));
	}

	/**
	 * From the request's {@code created_at} to now; zero when the producer's clock is
	 * ahead.
	 */
	private Duration endToEnd(Job job) {
		Duration latency = Duration.between(job.request().getCreatedAt(), this.clock.instant());
		return latency.isNegative() ? Duration.ZERO : latency;
	}

	private ProducerRecord<byte[], byte[]> resultRecord(Job job, InferenceResult result) {
		return new ProducerRecord<>(this.resultsTopic, null, null,
				result.getRequestId().getBytes(StandardCharsets.UTF_8),
				this.resultSerializer.serialize(this.resultsTopic, result),
				this.tracing.inject(job.span(), new RecordHeaders()));
	}

	private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> original, ErrorCategory category,
			String message, int attempts, @Nullable String host, Span span) {
		RecordHeaders headers = new RecordHeaders();
		for (Header header : original.headers()) {
			headers.add(header);
		}
		// the worker's job span replaces the producer's traceparent: same trace, one hop
		// on
		this.tracing.inject(span, headers);
		headers.add(DeadLetterHeaders.ORIGINAL_TOPIC, utf8(original.topic()));
		headers.add(DeadLetterHeaders.ORIGINAL_PARTITION, ByteBuffer.allocate(4).putInt(original.partition()).array());
		headers.add(DeadLetterHeaders.ORIGINAL_OFFSET, ByteBuffer.allocate(8).putLong(original.offset()).array());
		headers.add(DeadLetterHeaders.ORIGINAL_TIMESTAMP, ByteBuffer.allocate(8).putLong(original.timestamp()).array());
		headers.add(DeadLetterHeaders.ORIGINAL_CONSUMER_GROUP, utf8(this.groupId));
		headers.add(DeadLetterHeaders.EXCEPTION_FQCN, utf8(category.name()));
		headers.add(DeadLetterHeaders.EXCEPTION_MESSAGE, utf8(message));
		headers.add(DeadLetterHeaders.REASON, utf8(category.name()));
		headers.add(DeadLetterHeaders.ATTEMPTS, utf8(Integer.toString(attempts)));
		if (host != null) {
			headers.add(DeadLetterHeaders.HOST, utf8(host));
		}
		headers.add(DeadLetterHeaders.WORKER, utf8(this.workerId));
		return new ProducerRecord<>(this.deadLetterTopic, null, original.timestamp(), original.key(), original.value(),
				headers);
	}

	private void publish(SourceRecord source, List<ProducerRecord<byte[], byte[]>> records) {
		List<CompletableFuture<Void>> acks = new ArrayList<>(records.size());
		for (ProducerRecord<byte[], byte[]> record : records) {
			CompletableFuture<Void> ack = new CompletableFuture<>();
			this.producer.send(record, (metadata, error) -> {
				if (error == null) {
					ack.complete(null);
				}
				else {
					ack.completeExceptionally(error);
				}
			});
			acks.add(ack);
		}
		CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> {
			if (error == null) {
				this.completions.completed(source);
				return;
			}
			log.error("could not publish the outcome of {}; retrying in {}: {}", source, this.retryDelay,
					error.toString());
			this.timer.schedule(() -> publish(source, records), this.retryDelay.toMillis(), TimeUnit.MILLISECONDS);
		});
	}

	private static byte[] utf8(String text) {
		return (text == null ? "" : text).getBytes(StandardCharsets.UTF_8);
	}

}
