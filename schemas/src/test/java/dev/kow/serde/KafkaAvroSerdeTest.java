package dev.kow.serde;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import dev.kow.avro.InferenceRequest;
import dev.kow.avro.Mode;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaAvroSerdeTest {

	private final String scope = "mock://" + UUID.randomUUID();

	private final Map<String, Object> config = Map.of("schema.registry.url", this.scope, "specific.avro.reader",
			"true");

	private InferenceRequest request() {
		return InferenceRequest.newBuilder()
			.setId("r1")
			.setModel("llama3.1:8b")
			.setMode(Mode.GENERATE)
			.setPrompt("hi")
			.setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
			.build();
	}

	@Test
	void writesTheConfluentFrameAndReadsItBack() {
		KafkaAvroSerializer serializer = new KafkaAvroSerializer();
		serializer.configure(this.config, false);
		byte[] bytes = serializer.serialize("requests", request());

		assertThat(bytes[0]).isEqualTo((byte) 0);
		int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
		assertThat(id)
			.isEqualTo(MockSchemaRegistryClient.forScope(this.scope.substring(7)).latest("requests-value").id());
		KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
		deserializer.configure(this.config, false);
		assertThat(deserializer.deserialize("requests", bytes)).isEqualTo(request());
	}

	@Test
	void exactBytesOfASmallRecord() {
		Schema schema = SchemaBuilder.record("P").fields().requiredString("s").requiredInt("n").endRecord();
		GenericRecord record = new GenericData.Record(schema);
		record.put("s", "ab");
		record.put("n", -2);
		KafkaAvroSerializer serializer = new KafkaAvroSerializer();
		serializer.configure(this.config, false);
		byte[] bytes = serializer.serialize("t", record);
		int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
		// magic 0, id big-endian, then zig-zag length 2 -> 0x04, 'a', 'b', zig-zag -2 ->
		// 0x03
		assertThat(bytes).containsExactly(0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id, 4,
				'a', 'b', 3);
	}

	@Test
	void classifiesBadInput() {
		KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
		deserializer.configure(this.config, false);
		assertReason(deserializer, new byte[] { 1, 0, 0, 0, 1, 2 }, WireFormatException.Reason.MALFORMED);
		assertReason(deserializer, new byte[] { 0, 0 }, WireFormatException.Reason.MALFORMED);
		assertReason(deserializer, new byte[] { 0, 0, 0, 0x7f, 0x7f, 2 }, WireFormatException.Reason.UNKNOWN_SCHEMA_ID);
	}

	@Test
	void anOldReaderAndANewWriterInteroperateAndTheReverse() {
		Schema v1 = SchemaBuilder.record("dev.kow.avro.Evolving").fields().requiredString("id").endRecord();
		Schema v2 = SchemaBuilder.record("dev.kow.avro.Evolving")
			.fields()
			.requiredString("id")
			.name("extra")
			.type()
			.stringType()
			.stringDefault("none")
			.endRecord();
		MockSchemaRegistryClient registry = MockSchemaRegistryClient.forScope(this.scope.substring(7));
		KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry, Map.of("schema.registry.url", this.scope),
				false);
		GenericRecord newRecord = new GenericData.Record(v2);
		newRecord.put("id", "a");
		newRecord.put("extra", "x");
		GenericRecord oldRecord = new GenericData.Record(v1);
		oldRecord.put("id", "b");
		byte[] fromNew = serializer.serialize("evo", newRecord);
		byte[] fromOld = serializer.serialize("evo", oldRecord);

		org.apache.avro.generic.GenericDatumReader<GenericRecord> oldReader = new org.apache.avro.generic.GenericDatumReader<>(
				registry.byId(WireFormat.schemaId(fromNew)), v1);
		org.apache.avro.generic.GenericDatumReader<GenericRecord> newReader = new org.apache.avro.generic.GenericDatumReader<>(
				registry.byId(WireFormat.schemaId(fromOld)), v2);
		assertThat(read(oldReader, fromNew).get("id").toString()).isEqualTo("a");
		assertThat(read(newReader, fromOld).get("extra").toString()).isEqualTo("none");
	}

	private static GenericRecord read(org.apache.avro.generic.GenericDatumReader<GenericRecord> reader, byte[] bytes) {
		try {
			return reader.read(null,
					org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void assertReason(KafkaAvroDeserializer deserializer, byte[] bytes,
			WireFormatException.Reason reason) {
		assertThatThrownBy(() -> deserializer.deserialize("t", bytes)).isInstanceOfSatisfying(WireFormatException.class,
				e -> assertThat(e.reason()).isEqualTo(reason));
	}

}
