/* The MCP request log's monthly partitions (sql/016_reports.sql,
 * miq_requests_maintain): how many months ahead exist before a row needs
 * them, and how many whole months are kept by default. httpd's request-log
 * writer (MomentIQRequestLogMonths) and momentiqctl purge
 * (--request-log-months) both maintain them, with these values. */
#ifndef MIQ_REQUEST_LOG_H
#define MIQ_REQUEST_LOG_H

#define MIQ_REQUEST_LOG_MONTHS_AHEAD   2
#define MIQ_DEFAULT_REQUEST_LOG_MONTHS 4

#endif
