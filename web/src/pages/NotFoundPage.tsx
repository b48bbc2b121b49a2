import { Link } from 'react-router';
import { usePageTitle } from '../hooks';

export default function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <section className="narrow">
      <h1>Page not found</h1>
      <p>
        There is no page at this address. <Link to="/">Go to the catalog</Link>.
      </p>
    </section>
  );
}
