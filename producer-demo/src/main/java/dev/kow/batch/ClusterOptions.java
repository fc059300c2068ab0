package dev.kow.batch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.worker.config.RegistryProperties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * How the batch commands reach a cluster, named as Kafka's own tools name it
 * ({@code --bootstrap-server}, {@code --command-config} with any Kafka client property:
 * SASL, TLS, ...), and the registry with Confluent's serde keys, each with an
 * environment-variable default. Registry settings may also come from the command config
 * ({@code schema.registry.*}, {@code basic.auth.*}, {@code bearer.auth.*}).
 */
public final class ClusterOptions {

	@Option(names = "--bootstrap-server", defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
			description = "Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS; default ${DEFAULT-VALUE}).")
	String bootstrapServer = "127.0.0.1:9092";

	@Option(names = "--command-config", paramLabel = "FILE",
			description = "A properties file of Kafka client settings (security.protocol, sasl.*, ssl.*), as "
					+ "for Kafka's own tools; schema.registry.*, basic.auth.* and bearer.auth.* keys go to the "
					+ "registry client.")
	@Nullable Path commandConfig;

	@Option(names = "--schema-registry-url",
			defaultValue = "${env:SCHEMA_REGISTRY_URL:-" + RegistryProperties.DEFAULT_URL + "}",
			description = "Confluent-API schema registry URL (env SCHEMA_REGISTRY_URL; default ${DEFAULT-VALUE}).")
	String registryUrl = RegistryProperties.DEFAULT_URL;

	@Option(names = "--schema-registry-user-info", defaultValue = "${env:SCHEMA_REGISTRY_USER_INFO}",
			paramLabel = "USER:PASSWORD",
			description = "Registry basic auth (Confluent basic.auth.user.info; env SCHEMA_REGISTRY_USER_INFO).")
	@Nullable String registryUserInfo;

	@Option(names = "--schema-registry-bearer-token", defaultValue = "${env:SCHEMA_REGISTRY_BEARER_TOKEN}",
			description = "Registry bearer token (Confluent bearer.auth.token; env SCHEMA_REGISTRY_BEARER_TOKEN).")
	@Nullable String registryBearerToken;

	@Option(names = "--schema-registry-truststore", defaultValue = "${env:SCHEMA_REGISTRY_TRUSTSTORE}",
			paramLabel = "FILE",
			description = "The registry's CA, a PKCS12 (.p12) or JKS trust store (Confluent "
					+ "schema.registry.ssl.truststore.location; env SCHEMA_REGISTRY_TRUSTSTORE).")
	@Nullable Path registryTrustStore;

	@Option(names = "--schema-registry-truststore-password",
			defaultValue = "${env:SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD}",
			description = "Its password (env SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD).")
	@Nullable String registryTrustStorePassword;

	private Map<String, Object> commandConfig() {
		Map<String, Object> config = new HashMap<>();
		if (this.commandConfig != null) {
			Properties properties = new Properties();
			try (InputStream in = Files.newInputStream(this.commandConfig)) {
				properties.load(in);
			}
			catch (IOException ex) {
				throw new IllegalArgumentException("cannot read --command-config " + this.commandConfig + ": " + ex);
			}
			properties.stringPropertyNames().forEach(key -> config.put(key, properties.getProperty(key)));
		}
		return config;
	}

	/**
	 * @return Kafka client settings: the command config and the bootstrap servers
	 */
	public Map<String, Object> kafka() {
		Map<String, Object> config = commandConfig();
		config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, this.bootstrapServer);
		return config;
	}

	/**
	 * @return the registry serde settings, with Confluent's keys
	 */
	public Map<String, Object> serde() {
		Map<String, Object> config = new HashMap<>();
		commandConfig().forEach((key, value) -> {
			if (key.startsWith("schema.registry.") || key.startsWith("basic.auth.") || key.startsWith("bearer.auth.")) {
				config.put(key, value);
			}
		});
		config.put("schema.registry.url", this.registryUrl);
		if (this.registryUserInfo != null && !this.registryUserInfo.isBlank()) {
			config.put("basic.auth.credentials.source", "USER_INFO");
			config.put("basic.auth.user.info", this.registryUserInfo);
		}
		if (this.registryBearerToken != null && !this.registryBearerToken.isBlank()) {
			config.put("bearer.auth.credentials.source", "STATIC_TOKEN");
			config.put("bearer.auth.token", this.registryBearerToken);
		}
		if (this.registryTrustStore != null) {
			String name = this.registryTrustStore.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
			config.put("schema.registry.ssl.truststore.location", this.registryTrustStore.toString());
			config.put("schema.registry.ssl.truststore.type",
					(name.endsWith(".p12") || name.endsWith(".pfx")) ? "PKCS12" : "JKS");
			if (this.registryTrustStorePassword != null) {
				config.put("schema.registry.ssl.truststore.password", this.registryTrustStorePassword);
			}
		}
		config.put("specific.avro.reader", "true");
		return config;
	}

	/**
	 * @return an idempotent producer with {@code acks=all}: a send is done only when
	 * every in-sync replica has it
	 */
	public KafkaProducer<String, byte[]> producer() {
		Map<String, Object> config = kafka();
		config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		config.put(ProducerConfig.ACKS_CONFIG, "all");
		config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
		config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
		config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
		return new KafkaProducer<>(config);
	}

	/**
	 * @return a consumer without a group (partitions are assigned), bytes in
	 */
	public KafkaConsumer<String, byte[]> reader() {
		Map<String, Object> config = kafka();
		config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
		config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
		// a reader that has caught up must not wait out the broker's default 500 ms per
		// fetch:
		// status would take a second instead of tens of ms
		config.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
		// looking up a missing topic must not create it (uncompacted)
		config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
		return new KafkaConsumer<>(config);
	}

	/**
	 * @return an admin client
	 */
	public Admin admin() {
		return Admin.create(kafka());
	}

	/**
	 * @return a serializer of requests, configured
	 */
	public KafkaAvroSerializer serializer() {
		KafkaAvroSerializer serializer = new KafkaAvroSerializer();
		serializer.configure(serde(), false);
		return serializer;
	}

	/**
	 * @return a deserializer of results, configured
	 */
	public KafkaAvroDeserializer deserializer() {
		KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
		deserializer.configure(serde(), false);
		return deserializer;
	}

}
