package dev.kow.worker;

import java.util.HashMap;
import java.util.Map;

import dev.kow.worker.config.BatchesProperties;
import dev.kow.worker.config.IntakeProperties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

/**
 * The worker's Kafka client settings: everything from Spring Boot's
 * {@code spring.kafka.*} (bootstrap servers, security, tuning), with only what
 * correctness needs overridden.
 */
final class KafkaClientSettings {

	private KafkaClientSettings() {
	}

	/**
	 * The intake consumer: the worker's group, manual commits, byte arrays (the worker
	 * decodes itself, so a bad record is a dead letter, not a poll failure), cooperative
	 * rebalancing, {@code earliest} unless set, and at most 100 records a poll unless set
	 * (a partition can overshoot its buffer cap by one poll).
	 */
	static Map<String, Object> consumer(KafkaProperties kafka, IntakeProperties intake) {
		Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
		config.put(ConsumerConfig.GROUP_ID_CONFIG, intake.groupId());
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
		config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
		config.put(ConsumerConfig.CLIENT_ID_CONFIG, intake.workerId());
		return config;
	}

	/**
	 * The outcome producer: idempotent, {@code acks=all}, byte arrays, 5 ms linger unless
	 * set.
	 */
	static Map<String, Object> producer(KafkaProperties kafka, IntakeProperties intake) {
		Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
		config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		config.put(ProducerConfig.ACKS_CONFIG, "all");
		config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
		config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
		config.put(ProducerConfig.CLIENT_ID_CONFIG, intake.workerId() + "-outcomes");
		return config;
	}

	/** The fleet-state producer: small records, {@code acks=1}, no batching delay. */
	static Map<String, Object> fleetStateProducer(KafkaProperties kafka, IntakeProperties intake) {
		Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
		config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		config.put(ProducerConfig.ACKS_CONFIG, "1");
		config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
		config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
		config.put(ProducerConfig.CLIENT_ID_CONFIG, intake.workerId() + "-fleet-state");
		return config;
	}

	/**
	 * A reader of a state topic (the fleet state, the batch records): no consumer group
	 * (its partitions are assigned), nothing committed.
	 * @param name the client id's suffix
	 */
	static Map<String, Object> stateConsumer(KafkaProperties kafka, IntakeProperties intake, String name) {
		Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
		config.remove(ConsumerConfig.GROUP_ID_CONFIG);
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
		config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		config.put(ConsumerConfig.CLIENT_ID_CONFIG, intake.workerId() + "-" + name);
		// a missing state topic is created compacted, never auto-created by a fetch
		config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
		return config;
	}

	/**
	 * The batch aggregation (Kafka Streams): the cluster settings of {@code spring.kafka}
	 * (bootstrap servers, security), application id {@code <group-id>-batches}, state
	 * under the temporary directory per worker id, {@code commit.interval.ms} from
	 * {@code worker.batches.commit-interval}.
	 */
	static Map<String, Object> streams(KafkaProperties kafka, IntakeProperties intake, BatchesProperties batches) {
		Map<String, Object> config = new HashMap<>(kafka.buildAdminProperties());
		config.remove(AdminClientConfig.CLIENT_ID_CONFIG);
		config.put(StreamsConfig.APPLICATION_ID_CONFIG, intake.groupId() + "-batches");
		config.put(StreamsConfig.CLIENT_ID_CONFIG, intake.workerId() + "-batches");
		config.put(StreamsConfig.STATE_DIR_CONFIG,
				java.nio.file.Path.of(System.getProperty("java.io.tmpdir", "/tmp"), "kow-streams", intake.workerId())
					.toString());
		config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, batches.commitInterval().toMillis());
		config.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
		return config;
	}

	/** The admin client of slot sharing. */
	static Map<String, Object> admin(KafkaProperties kafka, IntakeProperties intake) {
		Map<String, Object> config = new HashMap<>(kafka.buildAdminProperties());
		config.put(AdminClientConfig.CLIENT_ID_CONFIG, intake.workerId() + "-slot-sharing");
		return config;
	}

}
