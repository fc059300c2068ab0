package dev.kow.worker.intake;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;

import dev.kow.avro.Attempt;
import dev.kow.avro.ErrorCategory;
import dev.kow.avro.InferenceRequest;
import dev.kow.avro.Mode;
import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.serde.MockSchemaRegistryClient;
import dev.kow.serde.SchemaRegistryClient;
import dev.kow.serde.SchemaRegistryException;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The poison-record path: each unreadable value gets its dead-letter reason; a registry
 * outage does not.
 */
class RecordDecoderTest {

	private static final Map<String, Object> CONFIG = Map.of("schema.registry.url", "mock://decoder",
			"specific.avro.reader", true);

	private final MockSchemaRegistryClient registry = MockSchemaRegistryClient.forScope("decoder");

	private final RecordDecoder decoder = new RecordDecoder(new KafkaAvroDeserializer(this.registry, CONFIG, false));

	private final KafkaAvroSerializer serializer = new KafkaAvroSerializer(this.registry, CONFIG, false);

	private static InferenceRequest request() {
		return InferenceRequest.newBuilder()
			.setId("r1")
			.setModel("llama3.1:8b")
			.setMode(Mode.GENERATE)
			.setPrompt("p")
			.setCreatedAt(Instant.EPOCH)
			.build();
	}

	@Test
	void aRequestInTheConfluentWireFormatIsReadable() {
		assertThat(this.decoder.decode("jobs", this.serializer.serialize("jobs", request())))
			.isEqualTo(new RecordDecoder.Request(request()));
	}

	@Test
	void eachKindOfPoisonHasItsReason() {
		assertThat(this.decoder.decode("jobs", null))
			.isEqualTo(new RecordDecoder.Poison(ErrorCategory.MALFORMED_RECORD, "null value (tombstone)"));
		assertThat(this.decoder.decode("jobs", "{\"prompt\":\"plain JSON\"}".getBytes())).isInstanceOfSatisfying(
				RecordDecoder.Poison.class,
				poison -> assertThat(poison.category()).isEqualTo(ErrorCategory.MALFORMED_RECORD));
		byte[] unknownId = ByteBuffer.allocate(9).put((byte) 0).putInt(987_654).array();
		assertThat(this.decoder.decode("jobs", unknownId)).isInstanceOfSatisfying(RecordDecoder.Poison.class,
				poison -> assertThat(poison.category()).isEqualTo(ErrorCategory.UNKNOWN_SCHEMA_ID));
		Attempt other = Attempt.newBuilder()
			.setHost("h")
			.setErrorCategory("X")
			.setMessage("m")
			.setDurationMs(1)
			.setTokensBeforeFailure(0)
			.build();
		assertThat(this.decoder.decode("jobs", this.serializer.serialize("other", other))).isInstanceOfSatisfying(
				RecordDecoder.Poison.class,
				poison -> assertThat(poison.category()).isEqualTo(ErrorCategory.SCHEMA_MISMATCH));
	}

	@Test
	void aRegistryOutageIsNotTheRecordsFault() {
		byte[] bytes = this.serializer.serialize("jobs", request());
		SchemaRegistryClient down = new SchemaRegistryClient() {
			@Override
			public int register(String subject, Schema schema) {
				throw unavailable();
			}

			@Override
			public int idOf(String subject, Schema schema) {
				throw unavailable();
			}

			@Override
			public Schema byId(int id) {
				throw unavailable();
			}

			@Override
			public dev.kow.serde.RegisteredSchema latest(String subject) {
				throw unavailable();
			}

			private SchemaRegistryException unavailable() {
				return new SchemaRegistryException("connection refused", 0, 0, null);
			}
		};
		RecordDecoder outage = new RecordDecoder(new KafkaAvroDeserializer(down, CONFIG, false));
		assertThat(outage.decode("jobs", bytes)).isInstanceOf(RecordDecoder.RegistryDown.class);
	}

}
