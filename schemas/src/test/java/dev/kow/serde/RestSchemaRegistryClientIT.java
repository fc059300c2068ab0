package dev.kow.serde;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import dev.kow.avro.InferenceRequest;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Mode;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.testkit.SharedFixtures;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The serde and REST client against a real Apicurio Registry's Confluent API. */
@ExtendWith(SharedFixtures.class)
class RestSchemaRegistryClientIT {

	@Test
	void registersLooksUpAndRoundTrips(ApicurioRegistry registry) {
		String topic = "it-" + UUID.randomUUID();
		Map<String, Object> config = Map.of("schema.registry.url", registry.confluentUrl(), "specific.avro.reader",
				"true");
		KafkaAvroSerializer serializer = new KafkaAvroSerializer();
		serializer.configure(config, false);
		KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
		deserializer.configure(config, false);
		InferenceRequest request = InferenceRequest.newBuilder()
			.setId("x")
			.setModel("m")
			.setMode(Mode.CHAT)
			.setCreatedAt(Instant.ofEpochMilli(1))
			.build();

		byte[] bytes = serializer.serialize(topic, request);

		assertThat(deserializer.deserialize(topic, bytes)).isEqualTo(request);
		RestSchemaRegistryClient client = new RestSchemaRegistryClient(
				java.util.List.of(java.net.URI.create(registry.confluentUrl())), null, java.time.Duration.ofSeconds(5));
		RegisteredSchema latest = client.latest(topic + "-value");
		assertThat(latest.id()).isEqualTo(WireFormat.schemaId(bytes));
		assertThat(latest.schema()).isEqualTo(InferenceRequest.getClassSchema());
		assertThat(client.idOf(topic + "-value", InferenceRequest.getClassSchema())).isEqualTo(latest.id());
	}

	@Test
	void useLatestVersionWritesWithTheRegisteredSchema(ApicurioRegistry registry) {
		String topic = "it-latest-" + UUID.randomUUID();
		RestSchemaRegistryClient client = new RestSchemaRegistryClient(
				java.util.List.of(java.net.URI.create(registry.confluentUrl())), null, java.time.Duration.ofSeconds(5));
		int id = client.register(topic + "-value", InferenceResult.getClassSchema());
		KafkaAvroSerializer serializer = new KafkaAvroSerializer();
		serializer.configure(Map.of("schema.registry.url", registry.confluentUrl(), "auto.register.schemas", "false",
				"use.latest.version", "true"), false);
		InferenceResult result = InferenceResult.newBuilder()
			.setRequestId("r")
			.setStatus(dev.kow.avro.Status.SUCCEEDED)
			.setModel("m")
			.setMode(Mode.EMBED)
			.setSourceTopic("t")
			.setAttempts(1)
			.setQueueWaitMs(0)
			.setRequestCreatedAt(Instant.EPOCH)
			.setStartedAt(Instant.EPOCH)
			.setFinishedAt(Instant.EPOCH)
			.build();
		assertThat(WireFormat.schemaId(serializer.serialize(topic, result))).isEqualTo(id);
	}

	@Test
	void anIncompatibleSchemaIsRefusedUnderBackwardCompatibility(ApicurioRegistry registry) {
		String subject = "it-compat-" + UUID.randomUUID() + "-value";
		RestSchemaRegistryClient client = new RestSchemaRegistryClient(
				java.util.List.of(java.net.URI.create(registry.confluentUrl())), null, java.time.Duration.ofSeconds(5));
		client.register(subject, SchemaBuilder.record("R").fields().requiredString("a").endRecord());
		Schema incompatible = SchemaBuilder.record("R").fields().requiredString("a").requiredInt("b").endRecord();
		assertThatThrownBy(() -> client.register(subject, incompatible))
			.isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(409));
	}

	@Test
	void anUnknownIdIsReportedAsNotFound(ApicurioRegistry registry) {
		RestSchemaRegistryClient client = new RestSchemaRegistryClient(
				java.util.List.of(java.net.URI.create(registry.confluentUrl())), null, java.time.Duration.ofSeconds(5));
		assertThatThrownBy(() -> client.byId(987_654_321)).isInstanceOfSatisfying(SchemaRegistryException.class,
				e -> assertThat(e.isNotFound()).isTrue());
	}

}
