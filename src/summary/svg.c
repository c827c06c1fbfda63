/* The statuses per test as a stacked horizontal bar chart in SVG, sized for a paper's
 * figure: one bar per test, its segments PASS, UNK, FAIL, ERR (and other) in the
 * colour-blind-safe Okabe-Ito palette, each as wide as its count on one shared axis
 * (gridlines and tick labels), the count written inside a segment wide enough to hold it
 * and the total after the bar, a legend and a title. Every segment carries data-test,
 * data-status and data-count, so the figure can be checked against the numbers. */
#include <math.h>
#include <string.h>

#include "common/err.h"
#include "summary/summary.h"

#define WIDTH 880.0
#define LABEL_W 200.0 /* test names, right-aligned before the plot */
#define TOTAL_W 90.0  /* the total after the longest bar */
#define PLOT_X LABEL_W
#define PLOT_W (WIDTH - LABEL_W - TOTAL_W)
#define TITLE_H 56.0
#define LEGEND_H 28.0
#define BAR_H 18.0
#define BAR_GAP 8.0
#define AXIS_H 44.0
#define TICKS 5
#define FONT_SIZE 12
#define SMALL_FONT 10
/* A count is written inside its segment when the segment is this much wider than the text
 * (an estimate of the glyphs' width: 0.62 em per digit). */
#define DIGIT_W (0.62 * SMALL_FONT)
#define INSIDE_PAD 6.0
#define FONT "DejaVu Sans, Helvetica, Arial, sans-serif"

static const char *const colours[SUM_STATUSES] = {"#009E73", "#E69F00", "#D55E00", "#0072B2",
                                                  "#999999"};
/* Text on a segment: white where the fill is dark enough. */
static const char *const text_colours[SUM_STATUSES] = {"#ffffff", "#000000", "#ffffff", "#ffffff",
                                                       "#000000"};

/* XML text and attribute values: the markup characters escaped, and the control
 * characters XML 1.0 does not allow replaced. */
static void xml_text(FILE *out, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&apos;", out);
            break;
        default:
            fputc((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' ? '?' : *s, out);
        }
    }
}

/* The axis' end: the smallest 1, 2 or 5 times a power of ten at least max (1 for none). */
static double nice_max(uint64_t max)
{
    if (max == 0)
        return 1.0;
    double mag = pow(10.0, floor(log10((double)max)));
    static const double steps[] = {1.0, 2.0, 5.0, 10.0};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (steps[i] * mag >= (double)max)
            return steps[i] * mag;
    return 10.0 * mag;
}

/* 1234567 -> "1,234,567" */
static void thousands(uint64_t v, char *buf, size_t cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

static void legend(FILE *out, struct summary *s, double y)
{
    double x = PLOT_X;
    for (int k = 0; k < SUM_STATUSES; k++) {
        bool used = false;
        for (size_t i = 0; i < summary_rows(s); i++)
            used = used || summary_row(s, i)->counts[k] > 0;
        if (!used && k == SUM_OTHER)
            continue; /* PASS..ERR always, so figures of several datasets match */
        fprintf(out,
                "  <rect class=\"legend\" data-status=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"12\" "
                "height=\"12\" fill=\"%s\"/>\n"
                "  <text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\">%s</text>\n",
                sum_status_names[k], x, y, colours[k], x + 17, y + 10.5, FONT_SIZE,
                sum_status_names[k]);
        x += 90;
    }
}

static void axis(FILE *out, double top, double bottom, double axis_max)
{
    for (int i = 0; i <= TICKS; i++) {
        double v = axis_max * i / TICKS, x = PLOT_X + PLOT_W * i / TICKS;
        char label[32];
        thousands((uint64_t)llround(v), label, sizeof(label));
        fprintf(out,
                "  <line class=\"grid\" x1=\"%.3f\" y1=\"%.1f\" x2=\"%.3f\" y2=\"%.1f\" "
                "stroke=\"#d0d0d0\" stroke-width=\"1\"/>\n"
                "  <text class=\"tick\" x=\"%.3f\" y=\"%.1f\" font-size=\"%d\" "
                "text-anchor=\"middle\">%s</text>\n",
                x, top - 4, x, bottom, x, bottom + 16, SMALL_FONT, label);
    }
    fprintf(out,
            "  <text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\">test runs"
            "</text>\n",
            PLOT_X + PLOT_W / 2, bottom + 36, FONT_SIZE);
}

static void bar(FILE *out, const struct sum_test *r, double y, double scale)
{
    fprintf(out,
            "  <text class=\"label\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" "
            "text-anchor=\"end\">",
            PLOT_X - 8, y + BAR_H / 2 + 4, FONT_SIZE);
    xml_text(out, r->name);
    fputs("</text>\n", out);
    double x = PLOT_X;
    for (int k = 0; k < SUM_STATUSES; k++) {
        if (r->counts[k] == 0)
            continue;
        double w = (double)r->counts[k] * scale;
        char count[32];
        thousands(r->counts[k], count, sizeof(count));
        fprintf(out, "  <rect class=\"bar\" data-test=\"");
        xml_text(out, r->name);
        fprintf(out,
                "\" data-status=\"%s\" data-count=\"%llu\" x=\"%.4f\" y=\"%.1f\" "
                "width=\"%.4f\" height=\"%.1f\" fill=\"%s\"><title>",
                sum_status_names[k], (unsigned long long)r->counts[k], x, y, w, BAR_H, colours[k]);
        xml_text(out, r->name);
        fprintf(out, ": %s %s</title></rect>\n", count, sum_status_names[k]);
        if (w > (double)strlen(count) * DIGIT_W + INSIDE_PAD)
            fprintf(out,
                    "  <text class=\"count\" x=\"%.3f\" y=\"%.1f\" font-size=\"%d\" "
                    "text-anchor=\"middle\" fill=\"%s\">%s</text>\n",
                    x + w / 2, y + BAR_H / 2 + 3.5, SMALL_FONT, text_colours[k], count);
        x += w;
    }
    char total[32];
    thousands(r->runs, total, sizeof(total));
    fprintf(out, "  <text class=\"total\" x=\"%.3f\" y=\"%.1f\" font-size=\"%d\">%s</text>\n",
            x + 5, y + BAR_H / 2 + 4, SMALL_FONT, total);
}

int summary_print_svg(struct summary *s, FILE *out)
{
    size_t n = summary_rows(s);
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (summary_row(s, i)->runs > max)
            max = summary_row(s, i)->runs;
    double axis_max = nice_max(max), scale = PLOT_W / axis_max;
    double plot_top = TITLE_H + LEGEND_H;
    double plot_bottom = plot_top + (double)n * (BAR_H + BAR_GAP);
    double height = plot_bottom + AXIS_H;
    char tested[32], results[32];
    thousands(s->targets.tested, tested, sizeof(tested));
    thousands(s->results, results, sizeof(results));

    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" font-family=\"%s\" data-scale=\"%.9g\">\n"
            "  <rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n"
            "  <text x=\"%.1f\" y=\"24\" font-size=\"16\" font-weight=\"bold\">"
            "TCP conformance: results per test</text>\n"
            "  <text x=\"%.1f\" y=\"44\" font-size=\"%d\" fill=\"#444444\">%s targets tested, "
            "%s test results (tcpreq)</text>\n",
            WIDTH, height, WIDTH, height, FONT, scale, WIDTH, height, PLOT_X, PLOT_X, FONT_SIZE,
            tested, results);
    legend(out, s, TITLE_H);
    axis(out, plot_top, plot_bottom, axis_max);
    for (size_t i = 0; i < n; i++)
        bar(out, summary_row(s, i), plot_top + (double)i * (BAR_H + BAR_GAP) + BAR_GAP / 2, scale);
    fputs("</svg>\n", out);
    return ferror(out) ? TCPREQ_ESYS : TCPREQ_OK;
}
