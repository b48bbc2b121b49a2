import { Component } from 'react';
import type { ErrorInfo, ReactNode } from 'react';

interface State {
  readonly error: Error | null;
}

/**
 * Catches a page that could not be loaded (its chunk is gone after a new deployment, or the network
 * dropped) or that failed to render, and says so in words instead of leaving a blank page.
 */
export class PageErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('Page failed:', error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div role="alert" className="alert alert--error">
        <h1>This page could not be loaded</h1>
        <p>{this.state.error.message}</p>
        <p>
          <a href={window.location.href}>Reload the page</a> or <a href="/">go to the catalog</a>.
        </p>
      </div>
    );
  }
}
