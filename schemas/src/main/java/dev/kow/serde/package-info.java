/**
 * Avro serde for the Confluent Schema Registry wire format, and a small client for the
 * registry's REST API.
 *
 * <p>
 * Wire format (Confluent's, byte for byte):
 * {@code [0x00][schema id: 4 bytes, big-endian][Avro
 * binary body]}. Configuration keys are Confluent's own ({@code schema.registry.url},
 * {@code auto.register.schemas}, {@code use.latest.version}, {@code basic.auth.*},
 * {@code *.subject.name.strategy}, {@code specific.avro.reader}), so Confluent's
 * {@code KafkaAvroSerializer}/{@code KafkaAvroDeserializer} can replace these classes, or
 * talk to them, on either side of a topic.
 */
package dev.kow.serde;
