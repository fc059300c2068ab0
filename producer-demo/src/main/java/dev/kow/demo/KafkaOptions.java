package dev.kow.demo;

import java.util.HashMap;
import java.util.Map;

import dev.kow.worker.config.RegistryProperties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Option;

import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.KafkaAvroSerializer;

/** The demo's connection to its in-JVM broker and registry. */
final class KafkaOptions {

	@Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092",
			description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
	String bootstrapServers;

	@Option(names = "--schema-registry-url", defaultValue = RegistryProperties.DEFAULT_URL,
			description = "Confluent-API schema registry URL (default ${DEFAULT-VALUE}).")
	String registryUrl;

	KafkaProducer<String, Object> producer() {
		Map<String, Object> config = new HashMap<>();
		config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, this.bootstrapServers);
		config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, KafkaAvroSerializer.class);
		config.put(ProducerConfig.ACKS_CONFIG, "all");
		config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
		config.put("schema.registry.url", this.registryUrl);
		return new KafkaProducer<>(config);
	}

	KafkaConsumer<String, Object> resultConsumer(String group) {
		return consumer(group, KafkaAvroDeserializer.class);
	}

	KafkaConsumer<String, Object> rawConsumer(String group) {
		return consumer(group, ByteArrayDeserializer.class);
	}

	private KafkaConsumer<String, Object> consumer(String group, Class<?> valueDeserializer) {
		Map<String, Object> config = new HashMap<>();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, this.bootstrapServers);
		config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
		config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
		config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, valueDeserializer);
		config.put("schema.registry.url", this.registryUrl);
		config.put("specific.avro.reader", "true");
		return new KafkaConsumer<>(config);
	}

}
