export { Entry, ExpositionParseError, ExpositionParser, isFloatSyntax, parseGoFloat, parseSeriesLabels } from './parser.js';
export { SCRAPE_PROTOCOL_HEADERS, UnsupportedContentTypeError, acceptHeader, isOpenMetricsContentType } from './content-type.js';
