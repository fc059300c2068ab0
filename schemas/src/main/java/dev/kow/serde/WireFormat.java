package dev.kow.serde;

import java.nio.ByteBuffer;

/**
 * The Confluent Schema Registry framing: magic byte {@code 0}, the schema id as a 4-byte
 * big-endian signed int, then the Avro binary body.
 */
public final class WireFormat {

	/** The only magic byte defined by Confluent's format. */
	public static final byte MAGIC_BYTE = 0;

	/** Bytes before the Avro body: magic byte plus schema id. */
	public static final int HEADER_SIZE = 5;

	private WireFormat() {
	}

	/**
	 * Reads the schema id of a framed payload.
	 * @param payload the whole record value
	 * @return the schema id
	 * @throws WireFormatException with {@link WireFormatException.Reason#MALFORMED} when
	 * the payload is shorter than the header or does not start with the magic byte
	 */
	public static int schemaId(byte[] payload) {
		if (payload == null || payload.length < HEADER_SIZE) {
			throw new WireFormatException(WireFormatException.Reason.MALFORMED, -1, "payload of "
					+ (payload == null ? 0 : payload.length) + " bytes is shorter than the 5-byte header");
		}
		if (payload[0] != MAGIC_BYTE) {
			throw new WireFormatException(WireFormatException.Reason.MALFORMED, -1,
					"unknown magic byte 0x%02x (expected 0x00)".formatted(payload[0]));
		}
		return ByteBuffer.wrap(payload, 1, 4).getInt();
	}

	/**
	 * Writes the 5-byte header.
	 * @param schemaId the registry's schema id
	 * @return a new 5-byte array
	 */
	public static byte[] header(int schemaId) {
		return ByteBuffer.allocate(HEADER_SIZE).put(MAGIC_BYTE).putInt(schemaId).array();
	}

}
