package dev.kow.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.kow.avro.InferenceRequest;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Mode;
import dev.kow.avro.Status;
import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.metadata.UserScramCredentialRecord;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.ApiMessageAndVersion;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The worker against a real KRaft broker whose only client listener requires
 * SASL/SCRAM-SHA-512: the user is created at format time (as
 * {@code kafka-storage format --add-scram} does), the worker gets its credentials from
 * Spring Boot's {@code spring.kafka.*} properties, and a client with a wrong password is
 * refused.
 */
class SaslScramIT {

	private static final String USER = "kow-worker";

	private static final String PASSWORD = "s3cret-for-tests";

	private static KafkaClusterTestKit cluster;

	private static OllamaSimulator host;

	@BeforeAll
	static void start() throws Exception {
		ScramCredential credential = new ScramFormatter(ScramMechanism.SCRAM_SHA_512).generateCredential(PASSWORD,
				4096);
		List<ApiMessageAndVersion> records = new ArrayList<>(
				BootstrapMetadata.fromVersion(MetadataVersion.latestProduction(), "test").records());
		records.add(new ApiMessageAndVersion(new UserScramCredentialRecord().setName(USER)
			.setMechanism(org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_512.type())
			.setSalt(credential.salt())
			.setStoredKey(credential.storedKey())
			.setServerKey(credential.serverKey())
			.setIterations(credential.iterations()), (short) 0));
		TestKitNodes nodes = new TestKitNodes.Builder(BootstrapMetadata.fromRecords(records, "test")).setCombined(true)
			.setNumBrokerNodes(1)
			.setNumControllerNodes(1)
			.setBrokerListenerName(new ListenerName("EXTERNAL"))
			.setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
			.setControllerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
			.build();
		cluster = new KafkaClusterTestKit.Builder(nodes)
			// the test kit authenticates its own broker-controller traffic with PLAIN as
			// a super user;
			// clients of the EXTERNAL listener may also use SCRAM-SHA-512
			.setConfigProp("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512")
			.setConfigProp("listener.name.external.scram-sha-512.sasl.jaas.config",
					"org.apache.kafka.common.security.scram.ScramLoginModule required;")
			.setConfigProp("allow.everyone.if.no.acl.found", "true")
			.setConfigProp("offsets.topic.replication.factor", "1")
			.setConfigProp("transaction.state.log.replication.factor", "1")
			.setConfigProp("transaction.state.log.min.isr", "1")
			.setConfigProp("group.initial.rebalance.delay.ms", "0")
			.build();
		cluster.format();
		cluster.startup();
		cluster.waitForReadyBrokers();
		host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.01).withNumParallel(2));
	}

	@AfterAll
	static void stop() throws Exception {
		if (host != null) {
			host.close();
		}
		if (cluster != null) {
			cluster.close();
		}
	}

	private static String jaas(String password) {
		return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER + "\" password=\""
				+ password + "\";";
	}

	private static Map<String, Object> client(String password) {
		Map<String, Object> config = new HashMap<>();
		config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
		config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
		config.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
		config.put(SaslConfigs.SASL_JAAS_CONFIG, jaas(password));
		return config;
	}

	@Test
	void theWorkerAuthenticatesWithScramAndAWrongPasswordIsRefused() throws Exception {
		try (Admin wrong = Admin.create(client("not-the-password"))) {
			assertThatThrownBy(() -> wrong.listTopics().names().get())
				.hasCauseInstanceOf(SaslAuthenticationException.class);
		}
		String registry = "mock://sasl-" + System.nanoTime();
		try (Admin admin = Admin.create(client(PASSWORD))) {
			admin
				.createTopics(List.of(new NewTopic("sasl.high", 2, (short) 1),
						new NewTopic("sasl.normal", 1, (short) 1), new NewTopic("sasl.batch", 1, (short) 1),
						new NewTopic("sasl.results", 1, (short) 1), new NewTopic("sasl.dlq", 1, (short) 1)))
				.all()
				.get();
		}
		Map<String, Object> props = new HashMap<>();
		props.put("spring.kafka.bootstrap-servers", cluster.bootstrapServers());
		props.put("spring.kafka.security.protocol", "SASL_PLAINTEXT");
		props.put("spring.kafka.properties.sasl.mechanism", "SCRAM-SHA-512");
		props.put("spring.kafka.properties.sasl.jaas.config", jaas(PASSWORD));
		props.put("server.port", "0");
		props.put("worker.topics.high", "sasl.high");
		props.put("worker.topics.normal", "sasl.normal");
		props.put("worker.topics.batch", "sasl.batch");
		props.put("worker.topics.results", "sasl.results");
		props.put("worker.topics.dead-letter", "sasl.dlq");
		props.put("worker.intake.group-id", "sasl-workers");
		props.put("worker.schema-registry.url", registry);
		props.put("worker.ollama.hosts[0].id", "sim0");
		props.put("worker.ollama.hosts[0].url", host.baseUrl());
		props.put("worker.ollama.hosts[0].slots", "2");
		try (ConfigurableApplicationContext worker = new SpringApplicationBuilder(WorkerApplication.class)
			.run(WorkerApplication.arguments(props))) {
			Map<String, Object> producerConfig = client(PASSWORD);
			producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
			producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, KafkaAvroSerializer.class);
			producerConfig.put("schema.registry.url", registry);
			Set<String> ids = new HashSet<>();
			try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerConfig)) {
				for (int i = 0; i < 6; i++) {
					String id = "s" + i;
					ids.add(id);
					producer
						.send(new ProducerRecord<>("sasl.high", id,
								InferenceRequest.newBuilder()
									.setId(id)
									.setModel("llama3.1:8b")
									.setMode(Mode.GENERATE)
									.setPrompt("hello " + i)
									.setCreatedAt(Instant.now())
									.build()))
						.get();
				}
			}
			Map<String, Object> consumerConfig = client(PASSWORD);
			consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "sasl-reader");
			consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
			consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
			consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, KafkaAvroDeserializer.class);
			consumerConfig.put("schema.registry.url", registry);
			consumerConfig.put("specific.avro.reader", "true");
			Map<String, Status> outcomes = new HashMap<>();
			try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(consumerConfig)) {
				consumer.subscribe(List.of("sasl.results"));
				long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
				while (outcomes.size() < ids.size() && System.nanoTime() < until) {
					for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(200))) {
						InferenceResult result = (InferenceResult) record.value();
						outcomes.put(result.getRequestId(), result.getStatus());
					}
				}
			}
			assertThat(outcomes).containsOnlyKeys(ids.toArray(String[]::new));
			assertThat(outcomes.values()).containsOnly(Status.SUCCEEDED);
		}
	}

}
