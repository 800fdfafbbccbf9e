# The MCP App view (ui://momentiq/timeline): assets/mcp-app/timeline.html with
# the timeline component (assets/timeline) inlined, compiled into the core as a
# C string. Included by mod_momentiq/Makefile and tests/fuzz/Makefile, before
# their core archive rule; needs TOP, OUT, CC, CORE_CFLAGS and CORE_OBJ.
APP_HTML_SRC := $(TOP)/assets/mcp-app/timeline.html $(TOP)/assets/mcp-app/timeline-view.js \
                $(TOP)/assets/timeline/miq-timeline.js $(TOP)/assets/timeline/miq-timeline.css
$(OUT)/gen/miq_app_html.c: $(APP_HTML_SRC) $(TOP)/assets/mcp-app/embed.py
	@mkdir -p $(dir $@)
	python3 $(TOP)/assets/mcp-app/embed.py $(APP_HTML_SRC) >$@.tmp && mv $@.tmp $@
$(OUT)/gen/miq_app_html.o: $(OUT)/gen/miq_app_html.c
	$(CC) $(CORE_CFLAGS) -c $< -o $@
CORE_OBJ += $(OUT)/gen/miq_app_html.o
