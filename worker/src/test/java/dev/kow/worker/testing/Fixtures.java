package dev.kow.worker.testing;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

import dev.kow.avro.InferenceRequest;
import dev.kow.avro.Mode;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.serde.MockSchemaRegistryClient;
import dev.kow.worker.config.OllamaProperties;
import dev.kow.worker.telemetry.JobTracing;
import dev.kow.worker.hosts.AttemptEnd;
import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.job.Job;
import dev.kow.worker.job.Lane;
import dev.kow.worker.offsets.CompletionSink;
import dev.kow.worker.offsets.PartitionOffsets;
import dev.kow.worker.offsets.SourceRecord;
import dev.kow.worker.outcome.OutcomeMetrics;
import dev.kow.worker.outcome.OutcomePublisher;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Hosts, pools and jobs for the unit tests, built through the production constructors.
 */
public final class Fixtures {

	/**
	 * Routing with the default failure penalty and half-life and degraded-host holding
	 * off.
	 */
	public static final OllamaProperties.Routing NO_HOLD = new OllamaProperties.Routing(10, Duration.ofSeconds(60), 1.0,
			Duration.ZERO);

	/**
	 * An attempt that ended well for its host: a success for the breaker, nothing learned
	 * about models.
	 */
	public static final AttemptEnd DONE = AttemptEnd.REFUSED;

	private Fixtures() {
	}

	/**
	 * @param maxHold the longest hold
	 * @return routing with the default penalty and half-life, hosts degraded from a
	 * failure rate of 0.1
	 */
	public static OllamaProperties.Routing holding(Duration maxHold) {
		return new OllamaProperties.Routing(10, Duration.ofSeconds(60), 0.1, maxHold);
	}

	/**
	 * @return a host failure for the breaker and the failure rate
	 */
	public static AttemptEnd hostFailed() {
		return new AttemptEnd.HostFailed(new RuntimeException("host failure"), false);
	}

	/**
	 * @param id host id
	 * @param slots its slots
	 * @param models normalised models it serves; none means any
	 * @return a host with a default circuit breaker
	 */
	public static OllamaHost host(String id, int slots, String... models) {
		return new OllamaHost(id, URI.create("http://127.0.0.1:1"), slots, Set.of(models),
				CircuitBreaker.ofDefaults(id));
	}

	/**
	 * @param nanos monotonic clock
	 * @param hosts the hosts
	 * @return a pool with {@link #NO_HOLD} routing
	 */
	public static HostPool pool(LongSupplier nanos, OllamaHost... hosts) {
		return new HostPool(List.of(hosts), NO_HOLD, Schedulers.immediate(), nanos);
	}

	/**
	 * Binds a configuration record from properties, with its documented defaults for the
	 * rest.
	 * @param <T> the record type
	 * @param prefix its prefix, for example {@code worker.ollama}
	 * @param type the record type
	 * @param properties property names (full, with the prefix) and values
	 * @return the bound record
	 */
	public static <T> T bind(String prefix, Class<T> type, Map<String, String> properties) {
		return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate(prefix, type);
	}

	/**
	 * A publisher of outcomes on a mock producer that acknowledges every send at once,
	 * with an in-memory schema registry.
	 * @param producer the producer;
	 * {@code new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer())}
	 * @param completions told as each outcome is acknowledged
	 * @param timer for publish retries
	 * @return the publisher
	 */
	public static OutcomePublisher outcomes(MockProducer<byte[], byte[]> producer, CompletionSink completions,
			Scheduler timer) {
		KafkaAvroSerializer serializer = new KafkaAvroSerializer(MockSchemaRegistryClient.forScope("fixtures"),
				Map.of("schema.registry.url", "mock://fixtures"), false);
		return new OutcomePublisher(producer, serializer, "results", "dead-letter", "group", "worker", completions,
				Clock.systemUTC(), timer, new OutcomeMetrics(new SimpleMeterRegistry()), Duration.ofSeconds(1),
				JobTracing.NOOP);
	}

	/**
	 * @param lane its lane (and topic)
	 * @param n its offset and id suffix
	 * @param deadline its deadline, or null
	 * @param queuedSinceNanos when it entered its lane
	 * @return a GENERATE job for model {@code m:latest} on partition 0 of the lane's
	 * topic
	 */
	public static Job job(Lane lane, int n, @Nullable Instant deadline, long queuedSinceNanos) {
		return job(lane, n, deadline, queuedSinceNanos, null);
	}

	/**
	 * A job of a batch.
	 * @param batchId its batch, or null
	 */
	public static Job job(Lane lane, int n, @Nullable Instant deadline, long queuedSinceNanos,
			@Nullable String batchId) {
		InferenceRequest request = InferenceRequest.newBuilder()
			.setId(lane + "-" + n)
			.setModel("m")
			.setMode(Mode.GENERATE)
			.setPrompt("p")
			.setDeadline(deadline)
			.setCreatedAt(Instant.EPOCH)
			.setBatchId(batchId)
			.build();
		TopicPartition partition = new TopicPartition(lane.key(), 0);
		return new Job(
				new SourceRecord(partition, n, new PartitionOffsets(partition)), lane, new ConsumerRecord<>(lane.key(),
						0, n, 0L, TimestampType.CREATE_TIME, 0, 0, null, null, new RecordHeaders(), Optional.empty()),
				request, "m:latest", Instant.EPOCH, queuedSinceNanos);
	}

}
