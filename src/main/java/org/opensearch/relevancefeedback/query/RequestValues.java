package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.xcontent.XContentParser;

/**
 * Typed reads of request values that fail with a 400 naming the parameter: the parser's own accessors answer a null,
 * an array or an object where a scalar belongs with errors that surface as HTTP 500.
 */
public final class RequestValues {

    /** A string; numbers are taken as their text, like OpenSearch's own string parameters. */
    public static String string(XContentParser parser, String name) throws IOException {
        XContentParser.Token t = parser.currentToken();
        if (t != XContentParser.Token.VALUE_STRING && t != XContentParser.Token.VALUE_NUMBER) {
            throw new ParsingException(parser.getTokenLocation(), "[" + name + "] must be a string, got [" + t + "]");
        }
        return parser.text();
    }

    /** Text to encode: a string with at least one non-blank character. */
    public static String text(XContentParser parser, String name) throws IOException {
        String text = string(parser, name);
        if (text.isBlank()) {
            throw new ParsingException(parser.getTokenLocation(), "[" + name + "] must not be empty");
        }
        return text;
    }

    public static int integer(XContentParser parser, String name) throws IOException {
        requireNumber(parser, name, "an integer");
        try {
            return parser.intValue();
        } catch (IllegalArgumentException | IOException e) {
            throw new ParsingException(
                    parser.getTokenLocation(), "[" + name + "] must be an integer, got [" + parser.text() + "]");
        }
    }

    public static double number(XContentParser parser, String name) throws IOException {
        requireNumber(parser, name, "a number");
        try {
            return parser.doubleValue();
        } catch (IllegalArgumentException | IOException e) {
            throw new ParsingException(
                    parser.getTokenLocation(), "[" + name + "] must be a number, got [" + parser.text() + "]");
        }
    }

    public static boolean bool(XContentParser parser, String name) throws IOException {
        XContentParser.Token t = parser.currentToken();
        if (t != XContentParser.Token.VALUE_BOOLEAN && t != XContentParser.Token.VALUE_STRING) {
            throw new ParsingException(
                    parser.getTokenLocation(), "[" + name + "] must be true or false, got [" + t + "]");
        }
        try {
            return parser.booleanValue();
        } catch (IllegalArgumentException e) {
            throw new ParsingException(
                    parser.getTokenLocation(), "[" + name + "] must be true or false, got [" + parser.text() + "]");
        }
    }

    /** Numbers may come as JSON numbers or as strings holding one (OpenSearch's usual leniency). */
    private static void requireNumber(XContentParser parser, String name, String what) throws IOException {
        XContentParser.Token t = parser.currentToken();
        if (t != XContentParser.Token.VALUE_NUMBER && t != XContentParser.Token.VALUE_STRING) {
            throw new ParsingException(
                    parser.getTokenLocation(), "[" + name + "] must be " + what + ", got [" + t + "]");
        }
    }

    private RequestValues() {}
}
