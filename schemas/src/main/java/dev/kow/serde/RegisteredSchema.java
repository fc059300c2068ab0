package dev.kow.serde;

import org.apache.avro.Schema;

/**
 * A schema as the registry knows it under a subject.
 *
 * @param subject the subject name, for example {@code requests.high-value}
 * @param id the registry-wide schema id written into the wire format
 * @param version the version under the subject, from 1
 * @param schema the parsed Avro schema
 */
public record RegisteredSchema(String subject, int id, int version, Schema schema) {
}
