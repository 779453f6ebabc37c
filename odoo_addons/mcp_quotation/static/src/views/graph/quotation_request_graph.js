import { registry } from "@web/core/registry";
import { graphView } from "@web/views/graph/graph_view";
import { GraphRenderer } from "@web/views/graph/graph_renderer";

// The palette's colours go by a series' position, so whichever status came
// second was red: each status keeps the colour its list badge has, in bars,
// lines, pie slices and legends.
const STATUS_COLORS = {
    queued: "#4EA7F2",
    processing: "#F4A261",
    completed: "#43C5B1",
    failed: "#EA6175",
    cancelled: "#A4A8B6",
};

export class QuotationRequestGraphRenderer extends GraphRenderer {
    statusColor(label) {
        const selection = this.model.metaData.fields.state?.selection || [];
        // A pie grouped by day then status labels its slices "day / Status".
        const name = String(label).split(" / ").at(-1);
        const status = selection.find(([, text]) => text === name);
        return status && STATUS_COLORS[status[0]];
    }

    getBarChartData() {
        const data = super.getBarChartData();
        for (const dataset of data.datasets) {
            dataset.backgroundColor = this.statusColor(dataset.label) || dataset.backgroundColor;
        }
        return data;
    }

    getLineChartData() {
        const data = super.getLineChartData();
        for (const dataset of data.datasets) {
            const color = this.statusColor(dataset.label);
            if (color) {
                dataset.borderColor = color;
                dataset.pointBackgroundColor = color;
            }
        }
        return data;
    }

    getLegendOptions() {
        const options = super.getLegendOptions();
        const generateLabels = options.labels?.generateLabels;
        if (this.model.metaData.mode === "pie" && generateLabels) {
            // The pie's legend picks the palette by position, as its slices did.
            options.labels.generateLabels = (chart) =>
                generateLabels(chart).map((item) => ({
                    ...item,
                    fillStyle: this.statusColor(item.fullText) || item.fillStyle,
                }));
        }
        return options;
    }

    getPieChartData() {
        const data = super.getPieChartData();
        const colors = data.labels.map(
            (label, index) => this.statusColor(label) || data.datasets[0]?.backgroundColor[index]
        );
        for (const dataset of data.datasets) {
            dataset.backgroundColor = colors;
            dataset.hoverBackgroundColor = colors;
        }
        return data;
    }
}

registry.category("views").add("quotation_request_graph", {
    ...graphView,
    Renderer: QuotationRequestGraphRenderer,
});
